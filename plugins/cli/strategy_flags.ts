/**
 * The strategy options as command-line flags (`--strategy`, `--every`, `--slots`, `--bytes`,
 * `--fraction`) and their parsing into a {@link StrategyChoice}: an unknown strategy, a missing
 * parameter and a parameter of another strategy are usage mistakes.
 * @module
 */
import { BYTES_FORMS, intOption, numberOption, parseBytes, UsageError, type Values } from "./args.ts";
import { STRATEGY_NAMES, type StrategyChoice } from "./strategy_options.ts";

/** parseArgs option specs of the strategy flags. */
export const STRATEGY_OPTIONS = {
  strategy: { type: "string" },
  every: { type: "string" },
  slots: { type: "string" },
  bytes: { type: "string" },
  fraction: { type: "string" },
  granularity: { type: "string" },
} as const;

/** Help lines of the strategy flags. */
export const STRATEGY_HELP = `strategy:
  --strategy NAME     ${STRATEGY_NAMES.join(", ")} (default storeAll)
  --every K           uniform (required): checkpoint every K-th stage input
  --slots S           revolve (required): checkpoint slots
  --bytes B           optimal (required), budget: activation budget, a positive size:
                      1048576, 4e6, 512K, 4M, 1.5G (K/M/G/T: powers of 1024), 4MiB, 4MB (powers of 1000)
  --fraction F        budget (instead of --bytes): 0 = least memory … 1 = store-all
  --granularity G     optimal: op (default: each taped stage keeps its whole tape or a
                      partial one, saveMatmuls or saveNothing, whichever is fastest) or stage
  a parameter of another strategy (--bytes with sqrt, --every with optimal) is a usage mistake`;

/** The parameters each strategy takes. */
const PARAMETERS: Readonly<Record<string, ReadonlyArray<string>>> = {
  storeAll: [],
  sqrt: [],
  uniform: ["every"],
  revolve: ["slots"],
  budget: ["bytes", "fraction"],
  optimal: ["bytes"],
};

/** Parameters a strategy may take besides its own, with a default. */
const OPTIONAL: Readonly<Record<string, ReadonlyArray<string>>> = { optimal: ["granularity"] };

const NEEDS: Readonly<Record<string, string>> = {
  every: "a segment length, an integer ≥ 1",
  slots: "a number of checkpoint slots, an integer ≥ 1",
  bytes: `an activation budget, ${BYTES_FORMS}`,
};

const flags = (names: ReadonlyArray<string>) => names.map((n) => `--${n}`).join(" or ");

/** Refuses a missing, foreign or doubled strategy parameter. */
function checkParameters(values: Values, name: string): void {
  const own = PARAMETERS[name]!;
  const which = `--strategy ${name}${values.strategy === undefined ? " (the default)" : ""}`;
  const takes = (s: string, flag: string) =>
    PARAMETERS[s]!.includes(flag) || (OPTIONAL[s] ?? []).includes(flag);
  for (const flag of Object.keys(STRATEGY_OPTIONS)) {
    if (flag === "strategy" || values[flag] === undefined || takes(name, flag)) continue;
    const users = Object.keys(PARAMETERS).filter((s) => takes(s, flag)).join(", ");
    throw new UsageError(
      `--${flag} does not apply: ${which} takes ${
        own.length ? flags(own) : "no parameter"
      }; --${flag} is for ${users}`,
    );
  }
  if (name === "budget") {
    if (values.bytes !== undefined && values.fraction !== undefined) {
      throw new UsageError(
        "--fraction does not apply: --strategy budget takes --bytes or --fraction, not both",
      );
    }
    if (values.bytes === undefined && values.fraction === undefined) {
      throw new UsageError(
        "--bytes or --fraction: missing; --strategy budget needs an activation budget (--bytes 4MiB) or a fraction in [0, 1]",
      );
    }
    return;
  }
  const missing = own.find((flag) => values[flag] === undefined);
  if (missing !== undefined) {
    throw new UsageError(`--${missing}: missing; ${which} needs ${NEEDS[missing]}`);
  }
}

/**
 * The strategy the flags choose. Values are checked first (`--bytes -1` is a bad size wherever
 * it appears), then whether each applies to the strategy.
 * @throws UsageError for an unknown strategy, a missing parameter, or a parameter that
 * belongs to another strategy
 * @example
 * ```ts
 * strategyChoice({ strategy: "optimal", bytes: "4MiB" }); // { name: "optimal", bytes: 4194304 }
 * ```
 */
export function strategyChoice(values: Values): StrategyChoice {
  const name = String(values.strategy ?? "storeAll");
  if (!Object.hasOwn(PARAMETERS, name)) {
    throw new UsageError(`--strategy: got "${name}"; expected one of ${STRATEGY_NAMES.join(", ")}`);
  }
  const choice: StrategyChoice = {
    name,
    every: values.every === undefined ? undefined : intOption(values, "every", 1),
    slots: values.slots === undefined ? undefined : intOption(values, "slots", 1),
    bytes: values.bytes === undefined ? undefined : parseBytes(String(values.bytes), "--bytes"),
    fraction: values.fraction === undefined ? undefined : numberOption(values, "fraction", 0, 0, 1),
    ...(values.granularity === undefined ? {} : { granularity: granularityOption(values) }),
  };
  checkParameters(values, name);
  return choice;
}

/** `--granularity`: op or stage (undefined when not given). */
function granularityOption(values: Values): "op" | "stage" | undefined {
  const g = values.granularity;
  if (g === undefined) return undefined;
  if (g === "op" || g === "stage") return g;
  throw new UsageError(`--granularity: got "${g}"; expected op or stage`);
}
