/**
 * What `budget` throws below its family's least peak: a `BudgetInfeasible` that also says
 * where another strategy fits lower, since `budget` only knows store-or-recompute-once plans
 * and multi-level recomputation (`optimal`, `revolve`) often fits in far less.
 * @module
 */
import { BudgetInfeasible, InvalidArgument, predictPlan, type Profile } from "@remat/core";
import { optimalSmallestBytes } from "./optimal.ts";
import { revolve, revolveForwards } from "./revolve.ts";

/** Another strategy's plan, named, and its predicted peak. */
export interface LowerElsewhere {
  /** The strategy and options, e.g. `optimal` or `revolve(slots=14)`. */
  readonly strategy: string;
  /** Its predicted peak bytes (for `optimal`, its smallest feasible budget). */
  readonly bytes: number;
}

/**
 * A `BudgetInfeasible` from a strategy that plans within a family of schedules: the smallest
 * feasible budget is the family's, and `elsewhere`, when set, names a strategy whose plan
 * fits in fewer bytes.
 *
 * @example
 * ```ts
 * import { BudgetInfeasible } from "@remat/core";
 * import { FamilyBudgetInfeasible } from "@remat/strategies";
 * const e = new FamilyBudgetInfeasible({
 *   strategy: "budget",
 *   family: "each stage stored or recomputed once",
 *   requestedBytes: 1_000_000,
 *   smallestFeasibleBytes: 1_900_544,
 *   elsewhere: { strategy: "optimal", bytes: 720_896 },
 * });
 * console.log(e instanceof BudgetInfeasible, e.message);
 * // true "budget: no plan of its family (each stage stored or recomputed once) fits in 1000000 bytes …; optimal fits in as little as 720896 bytes"
 * ```
 */
export class FamilyBudgetInfeasible extends BudgetInfeasible {
  /** The family of schedules the strategy plans within, in words. */
  declare readonly family: string;
  /** A strategy whose plan fits in fewer bytes than the family's least peak, if one was found. */
  declare readonly elsewhere: LowerElsewhere | undefined;

  /** The fields of `BudgetInfeasible`, the family in words, and the lower strategy if any. */
  constructor(args: {
    readonly strategy: string;
    readonly family: string;
    readonly requestedBytes: number;
    readonly smallestFeasibleBytes: number;
    readonly elsewhere?: LowerElsewhere;
  }) {
    super({ ...args, elsewhere: args.elsewhere } as ConstructorParameters<typeof BudgetInfeasible>[0]);
  }

  /** A one-line description: the budget asked, the family's least peak, and what fits lower. */
  override get message(): string {
    const lower = this.elsewhere && this.elsewhere.bytes < this.smallestFeasibleBytes
      ? `; ${this.elsewhere.strategy} fits in as little as ${this.elsewhere.bytes} bytes${
        this.elsewhere.bytes <= this.requestedBytes ? ", within the requested budget" : ""
      }`
      : "";
    return `${this.strategy}: no plan of its family (${this.family}) fits in ${this.requestedBytes} bytes of activations; the smallest feasible budget is ${this.smallestFeasibleBytes} bytes${lower}`;
  }
}

/** Chains up to this many stages get `optimal`'s exact smallest budget (O(n³), ~0.15 s at 400). */
export const OPTIMAL_HINT_MAX_STAGES = 400;
/** Longer chains get revolve's peak with the fewest slots whose plan has at most this many forwards per stage. */
const REVOLVE_HINT_FORWARDS_PER_STAGE = 8;

/**
 * The least peak another strategy reaches, for the message: `optimal`'s smallest feasible
 * budget (the least of every Schedule-class plan, `revolve`'s and `sqrt`'s included) on
 * chains up to `OPTIMAL_HINT_MAX_STAGES` stages; beyond, `revolve` with the fewest slots
 * whose plan stays within a few forwards per stage. Undefined when neither can be planned
 * (a profile `optimal` refuses).
 */
export function lowerElsewhere(profile: Profile): LowerElsewhere | undefined {
  const n = profile.stages.length;
  if (n === 0) return undefined;
  try {
    if (n <= OPTIMAL_HINT_MAX_STAGES) return { strategy: "optimal", bytes: optimalSmallestBytes(profile) };
    let slots = 2;
    while (revolveForwards(n, slots) > REVOLVE_HINT_FORWARDS_PER_STAGE * n) slots++;
    return {
      strategy: `revolve(slots=${slots})`,
      bytes: predictPlan(profile, revolve(profile, { slots })).peakBytes,
    };
  } catch (e) {
    if (e instanceof InvalidArgument) return undefined; // a profile optimal refuses (negative sizes, …)
    throw e;
  }
}
