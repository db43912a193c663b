/**
 * The strategy options as command-line flags (`--strategy`, `--every`, `--slots`, `--bytes`,
 * `--fraction`) and their parsing into a {@link StrategyChoice}.
 * @module
 */
import { intOption, numberOption, parseBytes, type Values } from "./args.ts";
import { STRATEGY_NAMES, type StrategyChoice } from "./strategy_options.ts";

/** parseArgs option specs of the strategy flags. */
export const STRATEGY_OPTIONS = {
  strategy: { type: "string" },
  every: { type: "string" },
  slots: { type: "string" },
  bytes: { type: "string" },
  fraction: { type: "string" },
} as const;

/** Help lines of the strategy flags. */
export const STRATEGY_HELP = `strategy:
  --strategy NAME     ${STRATEGY_NAMES.join(", ")} (default storeAll)
  --every K           uniform: checkpoint every K-th stage input
  --slots S           revolve: checkpoint slots
  --bytes B           optimal, budget: activation budget (4000000, 4MB, 3.5MiB)
  --fraction F        budget: 0 = least memory … 1 = store-all`;

/**
 * The strategy the flags choose.
 * @example
 * ```ts
 * strategyChoice({ strategy: "optimal", bytes: "4MiB" }); // { name: "optimal", bytes: 4194304 }
 * ```
 */
export function strategyChoice(values: Values): StrategyChoice {
  return {
    name: String(values.strategy ?? "storeAll"),
    every: values.every === undefined ? undefined : intOption(values, "every", 1),
    slots: values.slots === undefined ? undefined : intOption(values, "slots", 1),
    bytes: values.bytes === undefined ? undefined : parseBytes(String(values.bytes), "--bytes"),
    fraction: values.fraction === undefined ? undefined : numberOption(values, "fraction", 0, 0, 1),
  };
}
