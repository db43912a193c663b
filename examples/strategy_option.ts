/**
 * The main job's `--strategy` option: a plan for a chain from a strategy name and its option.
 * @module
 */
import { type Chain, InvalidArgument, staticProfile } from "@remat/core";
import { budget, optimal, revolve, sqrt, storeAll, type StrategyPlan, uniform } from "@remat/strategies";

/** Strategy names the main job accepts. */
export const STRATEGY_NAMES = ["storeAll", "sqrt", "uniform", "revolve", "budget", "optimal"] as const;

/** Options that parameterise a strategy. */
export interface StrategyChoice {
  readonly name: string;
  /** uniform: segment length. */
  readonly every?: number;
  /** revolve: checkpoint slots. */
  readonly slots?: number;
  /** budget and optimal: bytes of activations. */
  readonly bytes?: number;
  /** budget: fraction between its least memory (0) and store-all (1), when no bytes are given. */
  readonly fraction?: number;
}

/** The plan `choice` makes for `chain` at `batch`, from the static (exact-bytes) profile. */
export function planFor(chain: Chain, batch: number, choice: StrategyChoice): StrategyPlan {
  const profile = staticProfile(chain, batch);
  const need = (name: string, v: number | undefined): number => {
    if (v === undefined) throw new InvalidArgument({ name, value: v, expected: `a value for --strategy ${choice.name}` });
    return v;
  };
  switch (choice.name) {
    case "storeAll":
      return storeAll(profile);
    case "sqrt":
      return sqrt(profile);
    case "uniform":
      return uniform(profile, { every: need("--every", choice.every) });
    case "revolve":
      return revolve(profile, { slots: need("--slots", choice.slots) });
    case "budget":
      return choice.bytes !== undefined ? budget(profile, { bytes: choice.bytes }) : budget(profile, { fraction: need("--fraction", choice.fraction) });
    case "optimal":
      return optimal(profile, { bytes: need("--bytes", choice.bytes) });
    default:
      throw new InvalidArgument({ name: "--strategy", value: choice.name, expected: STRATEGY_NAMES.join(", ") });
  }
}
