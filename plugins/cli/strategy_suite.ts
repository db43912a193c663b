/**
 * The strategies `remat bench` and `remat pareto` compare on a profile, and the budgets of the
 * `optimal` sweep from its smallest feasible budget to store-all's peak.
 * @module
 */
import { BudgetInfeasible, type Profile } from "@remat/core";
import { budget, optimal, revolve, sqrt, storeAll, type StrategyPlan, uniform } from "@remat/strategies";

/**
 * Store-all, sqrt, uniform every 4 and 8, budget at half, revolve with √n slots, and optimal
 * at sqrt's bytes with whole tapes only (granularity "stage") and then with partial tapes
 * (the default, granularity "op", always last).
 * @example
 * ```ts
 * const plans = comparedStrategies(staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 3 }), 32));
 * ```
 */
export function comparedStrategies(profile: Profile): StrategyPlan[] {
  const n = profile.stages.length;
  const sq = sqrt(profile), bytes = sq.summary().predictedPeakBytes;
  return [
    storeAll(profile),
    sq,
    uniform(profile, { every: Math.min(4, n) }),
    uniform(profile, { every: Math.min(8, n) }),
    budget(profile, { fraction: 0.5 }),
    revolve(profile, { slots: Math.max(2, Math.round(Math.sqrt(n))) }),
    optimal(profile, { bytes, granularity: "stage" }),
    optimal(profile, { bytes }),
  ];
}

/**
 * `count` budgets evenly from optimal's smallest feasible budget to store-all's peak.
 * @example
 * ```ts
 * const budgets = sweepBudgets(profile, 20);
 * ```
 */
export function sweepBudgets(profile: Profile, count: number): number[] {
  const lo = optimalMinimum(profile), hi = storeAll(profile).summary().predictedPeakBytes;
  if (count <= 1) return [hi];
  return Array.from({ length: count }, (_, b) => Math.round(lo + ((hi - lo) * b) / (count - 1)));
}

/** The smallest budget `optimal` accepts (at its default slots), read from its infeasibility error. */
function optimalMinimum(profile: Profile): number {
  try {
    optimal(profile, { bytes: 1 });
    return 1;
  } catch (e) {
    if (e instanceof BudgetInfeasible) return e.smallestFeasibleBytes;
    throw e;
  }
}
