/**
 * sqrt: Chen et al.'s √n segments. With checkpoints of a bytes and segments of k stages
 * whose tapes take about t bytes a stage, memory is about (n/k)·a + k·(t + a), smallest
 * at k = √(n·a/(t + a)); when tapes and activations are the same size this is the familiar
 * k ≈ √(n/2)…√n. The sizes are the profile's means, so wide tapes get shorter segments.
 *
 * Segments are counted from the end: the last segment, which runs with tapes in the first
 * sweep and is never recomputed, is a full k stages, and the remainder of n / k makes the
 * first one short (`uniform` counts from the start instead, so its last segment is the
 * remainder). On the reference MLP (34 stages, k = 3) that saves three recomputed forwards
 * at the same peak (predicted ×1.311 instead of ×1.332 of store-all's time); over 33 MLP
 * shapes of 4–98 stages it was never a byte above the start-counted plan's peak.
 * @module
 */
import type { Profile } from "@remat/core";
import { checkpointSchedule } from "./schedule.ts";
import { planOf, type StrategyPlan } from "./strategy.ts";

/**
 * Checkpoints every k ≈ √(n·a/(t + a)) stages (Chen et al. 2016), counted from the end.
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
  const n = profile.stages.length;
  return planOf(checkpointSchedule(everyKFromEnd(n, k), n), profile, `sqrt(every=${k})`);
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

/**
 * Stage inputs n − k, n − 2k, … down to 1, ascending: checkpoints whose last segment is k
 * stages long and whose first takes the remainder.
 *
 * @example
 * ```ts
 * import { everyKFromEnd } from "@remat/strategies";
 * everyKFromEnd(10, 3); // [1, 4, 7]
 * ```
 */
export function everyKFromEnd(n: number, k: number): number[] {
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`everyKFromEnd: k must be an integer ≥ 1; got ${k}`);
  }
  const checkpoints: number[] = [];
  for (let c = n - k; c > 0; c -= k) checkpoints.push(c);
  return checkpoints.reverse();
}
