/**
 * Argument helpers for the CLI: numbers with the option name and the value seen in the error,
 * and the one error type that the entry point prints as a single line.
 * @module
 */

/** A mistake on the command line: printed as one line, exit status 2. */
export class UsageError extends Error {
  /** Tells it apart from remat's typed errors. */
  readonly _tag = "UsageError";
}

/** String option values as parseArgs returns them. */
export type Values = Readonly<Record<string, string | boolean | undefined>>;

/**
 * The integer option `name` (≥ `min`), or `fallback` when absent.
 * @example
 * ```ts
 * intOption({ depth: "8" }, "depth", 4); // 8
 * ```
 */
export function intOption(values: Values, name: string, fallback: number, min = 1): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== "string" || !Number.isInteger(v) || v < min) {
    throw new UsageError(`--${name}: got "${raw}"; expected an integer ≥ ${min}`);
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
    throw new UsageError(`--${name}: got "${raw}"; expected a number in [${min}, ${max}]`);
  }
  return v;
}

/**
 * A byte count: a plain integer or one with a unit (`4MB`, `1.5MiB`, `800KiB`).
 * @example
 * ```ts
 * parseBytes("1.5MiB", "--bytes"); // 1572864
 * ```
 */
export function parseBytes(raw: string, name: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$/i.exec(raw);
  const units: Record<string, number> = {
    b: 1,
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
    kib: 1024,
    mib: 1024 ** 2,
    gib: 1024 ** 3,
  };
  if (!m) throw new UsageError(`${name}: got "${raw}"; expected bytes such as 4000000, 4MB or 3.5MiB`);
  return Math.round(Number(m[1]) * units[(m[2] ?? "b").toLowerCase()]!);
}
