/**
 * sqrt: Chen et al.'s √n segments. With checkpoints of a bytes and segments of k stages
 * whose tapes take about t bytes a stage, memory is about (n/k)·a + k·(t + a), smallest
 * at k = √(n·a/(t + a)); when tapes and activations are the same size this is the familiar
 * k ≈ √(n/2)…√n. The sizes are the profile's means, so wide tapes get shorter segments.
 * @module
 */
import type { Profile } from "@remat/core";
import { checkpointSchedule } from "./schedule.ts";
import { planOf, type StrategyPlan } from "./strategy.ts";
import { everyK } from "./uniform.ts";

/**
 * Uniform checkpoints every k ≈ √(n·a/(t + a)) stages (Chen et al. 2016).
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { sqrt } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * console.log(sqrt(profile).summary().predictedPeakBytes);
 * ```
 */
export function sqrt(profile: Profile): StrategyPlan {
  const k = sqrtSegment(profile);
  return planOf(checkpointSchedule(everyK(profile.stages.length, k), profile.stages.length), profile, `sqrt(every=${k})`);
}

/**
 * The segment length `sqrt` uses for a profile.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { sqrtSegment } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * console.log(sqrtSegment(profile)); // k: a checkpoint every k stage inputs
 * ```
 */
export function sqrtSegment(profile: Profile): number {
  const n = profile.stages.length;
  if (n === 0) return 1;
  let a = 0, t = 0;
  for (const s of profile.stages) (a += s.outputBytes), (t += s.tapeBytes);
  a /= n;
  t /= n;
  const k = a + t > 0 ? Math.sqrt((n * a) / (t + a)) : Math.sqrt(n);
  return Math.min(n, Math.max(1, Math.round(k)));
}
