/**
 * storeAll: every stage records its tape in the one forward sweep; nothing is recomputed.
 * Each input is dropped as soon as the stage after it has run (its tape keeps what its
 * backward needs), so this is the least memory a no-recompute plan can use.
 * @module
 */
import type { Profile } from "@remat/core";
import { chainAll } from "./schedule.ts";
import { planOf, type StrategyPlan } from "./strategy.ts";

/**
 * The no-recomputation plan: the baseline every gradient is compared with.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { storeAll } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * console.log(storeAll(profile).summary().overhead); // ≈ 0
 * ```
 */
export function storeAll(profile: Profile): StrategyPlan {
  return planOf(chainAll(0, profile.stages.length), profile, "storeAll");
}
