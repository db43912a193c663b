/**
 * Argument helpers for the CLI: numbers with the option name and the value seen in the error,
 * byte sizes, negative values after a flag, and the one error type that the entry point prints
 * as a single line.
 * @module
 */

/** A mistake on the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  /** Tells it apart from remat's typed errors. */
  readonly _tag = "UsageError";
}

/** String option values as parseArgs returns them. */
export type Values = Readonly<Record<string, string | boolean | undefined>>;

/** Bounds of {@link intOption}: the smallest and largest value accepted (both inclusive). */
export interface IntBounds {
  /** Smallest value accepted; default 1. */
  readonly min?: number;
  /** Largest value accepted; default unbounded. */
  readonly max?: number;
}

/** An integer as typed: digits, or digits in exponent form (`1e3`, `2.5e3`); a sign is allowed. */
const INTEGER_TEXT = /^[+-]?\d+(\.\d+)?(e\+?\d+)?$/i;

/**
 * The integer option `name` within its bounds (`min` alone, or `{ min, max }`), or `fallback`
 * when absent. Exponent form is read when it is a whole number (`1e3` is 1000; `1.5` and
 * `1e-3` are not integers).
 * @param values the parsed options
 * @param name the option's name, without the dashes
 * @example
 * ```ts
 * intOption({ depth: "8" }, "depth", 4); // 8
 * intOption({ depth: "1e3" }, "depth", 4, { max: 10_000 }); // 1000
 * ```
 */
export function intOption(
  values: Values,
  name: string,
  fallback: number,
  bounds: number | IntBounds = 1,
): number {
  const { min = 1, max = Infinity } = typeof bounds === "number" ? { min: bounds } : bounds;
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = typeof raw === "string" && INTEGER_TEXT.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === Infinity ? `≥ ${min}` : `≥ ${min} and ≤ ${max}`;
    throw new UsageError(`--${name}: got "${raw}"; expected an integer ${range} (such as 64 or 1e3)`);
  }
  return v;
}

/**
 * The number option `name` within [min, max], or `fallback` when absent.
 * @example
 * ```ts
 * numberOption({ lr: "0.01" }, "lr", 1e-3, 0, 1); // 0.01
 * ```
 */
export function numberOption(
  values: Values,
  name: string,
  fallback: number,
  min = -Infinity,
  max = Infinity,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(v) || v < min || v > max) {
    const range = max === Infinity ? (min === -Infinity ? "finite" : `≥ ${min}`) : `in [${min}, ${max}]`;
    throw new UsageError(`--${name}: got "${raw}"; expected a number ${range}`);
  }
  return v;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

/** The byte sizes {@link parseBytes} accepts, for help texts and error messages. */
export const BYTES_FORMS =
  "a positive size such as 1048576, 4e6, 512K, 4M, 1.5G, 4MiB or 4MB (K, M, G, T and KiB … TiB are powers of 1024; KB … TB powers of 1000)";

/**
 * A positive byte count: an integer (`4000000`, `4e6`) or a number with a unit (`512K`, `4M`,
 * `1.5G`, `4MB`, `1.5MiB`, `800KiB`; a unit's fraction is rounded to whole bytes).
 * @param raw the text typed
 * @param name the option, for the error message (`--bytes`)
 * @throws UsageError naming the option, the text seen and the accepted forms
 * @example
 * ```ts
 * parseBytes("1.5MiB", "--bytes"); // 1572864
 * parseBytes("4M", "--bytes"); // 4194304
 * parseBytes("4e6", "--bytes"); // 4000000
 * ```
 */
export function parseBytes(raw: string, name: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\+?\d+)?)\s*([KMGT]i?B?|B)?\s*$/i.exec(raw);
  const unit = m?.[2]?.toLowerCase() ?? "b";
  const scale = BYTE_UNITS[unit];
  const exact = m ? Number(m[1]) * (scale ?? NaN) : NaN;
  const bytes = unit === "b" ? exact : Math.round(exact);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    const why = m && scale !== undefined && Number.isFinite(bytes) && bytes > 0 && !Number.isInteger(bytes)
      ? "not a whole number of bytes; "
      : "";
    throw new UsageError(`${name}: got "${raw}"; ${why}expected ${BYTES_FORMS}`);
  }
  return bytes;
}

/** A value that reads as a negative number (`-1`, `-0.5`, `-1e3`), which parseArgs would take for a flag. */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * Joins `--flag -1` into `--flag=-1` wherever `flag` takes a value and the next argument reads
 * as a negative number, so the option's own check reports it ("--bytes: got "-1"; …") rather
 * than parseArgs calling it ambiguous.
 * @param args the command's arguments
 * @param options parseArgs option specs
 * @example
 * ```ts
 * attachNegativeValues(["--bytes", "-1", "--json"], { bytes: { type: "string" }, json: { type: "boolean" } });
 * // ["--bytes=-1", "--json"]
 * ```
 */
export function attachNegativeValues(
  args: ReadonlyArray<string>,
  options: Readonly<Record<string, { readonly type: "string" | "boolean" }>>,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!, next = args[i + 1];
    const flag = a.startsWith("--") && !a.includes("=") ? a.slice(2) : undefined;
    if (
      flag !== undefined && options[flag]?.type === "string" && next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/**
 * Refuses the options among `names` that were given, because they do not apply.
 * @param values the parsed options
 * @param names the options that do not apply, without the dashes
 * @param options `because`: the reason, completing "--NAME does not apply: …"
 * @throws UsageError for the first of them given
 * @example
 * ```ts
 * rejectFlags({ depth: "4", profile: "p.json" }, ["depth"], { because: "the profile fixes the model" });
 * // throws: --depth does not apply: the profile fixes the model
 * ```
 */
export function rejectFlags(
  values: Values,
  names: ReadonlyArray<string>,
  options: { readonly because: string },
): void {
  const given = names.find((n) => values[n] !== undefined);
  if (given !== undefined) throw new UsageError(`--${given} does not apply: ${options.because}`);
}
