/**
 * The `--strategy` option shared by the CLI and the example programs: a plan from a strategy
 * name and its parameter (`--every`, `--slots`, `--bytes`, `--fraction`).
 * @module
 */
import { type Chain, InvalidArgument, type Profile, staticProfile } from "@remat/core";
import { budget, optimal, revolve, sqrt, storeAll, type StrategyPlan, uniform } from "@remat/strategies";

/** Strategy names the programs accept. */
export const STRATEGY_NAMES = ["storeAll", "sqrt", "uniform", "revolve", "budget", "optimal"] as const;

/** Options that parameterise a strategy. */
export interface StrategyChoice {
  /** One of {@link STRATEGY_NAMES}. */
  readonly name: string;
  /** uniform: segment length. */
  readonly every?: number;
  /** revolve: checkpoint slots. */
  readonly slots?: number;
  /** budget and optimal: bytes of activations. */
  readonly bytes?: number;
  /** budget: fraction between its least memory (0) and store-all (1), when no bytes are given. */
  readonly fraction?: number;
  /** optimal: "op" (default: tape policies chosen per stage) or "stage" (whole tapes). */
  readonly granularity?: "op" | "stage";
}

/**
 * The plan `choice` makes from `profile`.
 * @throws InvalidArgument for an unknown strategy or a missing parameter; BudgetInfeasible
 * @example
 * ```ts
 * const plan = planFromProfile(staticProfile(mlp({ depth: 8, width: 64, hidden: 256, classes: 3 }), 32), { name: "sqrt" });
 * ```
 */
export function planFromProfile(profile: Profile, choice: StrategyChoice): StrategyPlan {
  const need = (name: string, v: number | undefined): number => {
    if (v === undefined) {
      throw new InvalidArgument({ name, value: v, expected: `a value for --strategy ${choice.name}` });
    }
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
      return choice.bytes !== undefined
        ? budget(profile, { bytes: choice.bytes })
        : budget(profile, { fraction: need("--fraction", choice.fraction) });
    case "optimal":
      return optimal(profile, {
        bytes: need("--bytes", choice.bytes),
        ...(choice.granularity === undefined ? {} : { granularity: choice.granularity }),
      });
    default:
      throw new InvalidArgument({
        name: "--strategy",
        value: choice.name,
        expected: STRATEGY_NAMES.join(", "),
      });
  }
}

/**
 * The plan `choice` makes for `chain` at `batch`, from the static (exact-bytes) profile.
 * @example
 * ```ts
 * const plan = planFor(mlp({ depth: 8, width: 64, hidden: 256, classes: 3 }), 32, { name: "revolve", slots: 2 });
 * ```
 */
export function planFor(chain: Chain, batch: number, choice: StrategyChoice): StrategyPlan {
  return planFromProfile(staticProfile(chain, batch), choice);
}
