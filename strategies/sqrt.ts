/**
 * sqrt: Chen et al.'s √n segments, laid out the best simple way. A segment layout keeps a
 * checkpoint every k stages, recomputes each segment once, and runs its last segment with
 * tapes in the first sweep. `sqrt` compares the layouts people use —
 * - `uniform(every = k)`: checkpoints at k, 2k, …, the stored last segment the remainder,
 * - counted from the end: the stored last segment a full k stages, the first the remainder,
 * - PyTorch's `checkpoint_sequential(segments = s)`: ⌊n/s⌋-stage segments, the stored last
 *   one takes the remainder,
 * for every k and s in 1..n on chains up to 256 stages, and on longer chains for k within a
 * factor of 2 of k₀ = √(n·a/(t + a)) (`sqrtSegment`: a and t the mean activation and tape
 * bytes, where (n/k)·a + k·(t + a) is least) and the s whose ⌊n/s⌋ lies there — and picks
 * the one of least predicted peak, and among those the least predicted time (ties: the
 * first in that order). Peaks and times are `predictPlan`'s, computed in O(n) per layout by
 * the memory model `budget`'s family uses (`budget_family.ts`, equal to `predictPlan`).
 *
 * On the reference MLP (34 stages) this is PyTorch's layout with 11 segments: peak
 * 1,966,080 B (the least of every layout) at ×1.301 of store-all's predicted time, where
 * the from-the-end layout with k = 3 (what `sqrt` used before) takes ×1.311 at the same peak.
 * @module
 */
import type { Profile } from "@remat/core";
import { checkpointSchedule } from "./schedule.ts";
import { bestLayout, candidateLayouts, layoutWindow } from "./segment_layouts.ts";
import { planOf, type StrategyPlan } from "./strategy.ts";

/**
 * The segment layout of least predicted peak, then least predicted time, among `uniform`'s,
 * the counted-from-the-end one and `checkpoint_sequential`'s, for segment lengths and counts
 * around √n (all of them up to 256 stages). Named `sqrt(every=k, last=m)`: segments of k
 * stages before a stored last segment of m.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { sqrt } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const plan = sqrt(profile);
 * console.log(plan.strategy, plan.summary().predictedPeakBytes);
 * ```
 */
export function sqrt(profile: Profile): StrategyPlan {
  const n = profile.stages.length;
  if (n === 0) return planOf(checkpointSchedule([], 0), profile, "sqrt(every=1, last=0)");
  const { ks, ss } = layoutWindow(n, sqrtSegment(profile));
  const best = bestLayout(profile, candidateLayouts(n, ks, ss));
  return planOf(
    checkpointSchedule(best.checkpoints, n),
    profile,
    `sqrt(every=${best.every}, last=${best.last})`,
  );
}

/**
 * Chen's segment length k₀ = √(n·a/(t + a)) for a profile (a, t: mean activation and tape
 * bytes), rounded into 1..n: the centre of the window of lengths `sqrt` compares on long chains.
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
