/**
 * The depth searches of the deep-ResNet benchmark: the deepest ResNet (blocks per group) whose
 * plan fits a fixed activation budget, found by doubling then bisection over a predicate that
 * is monotone in depth: a deeper net of the same widths never needs less memory, and under a
 * fixed budget its fastest plan recomputes a larger share of the forward.
 *
 * Memory alone does not bound `optimal`: its least peak is a few stages' worth whatever the
 * depth (it then recomputes ever more), so the search for `optimal` also caps the predicted
 * time overhead against store-all on the same net.
 * @module
 */
import { type Chain, type Profile, resnet, staticProfile } from "@remat/core";
import { optimal, optimalSmallestBytes, storeAll, type StrategyPlan } from "@remat/strategies";

/** The net the benchmark deepens. */
export interface DeepResnetShape {
  /** Image side (square, one channel). */
  readonly size: number;
  /** Channels of the first group (doubled in each of the three groups). */
  readonly width: number;
  /** Examples per step. */
  readonly batch: number;
}

/** The resnet of `shape` with `depth` blocks in each of its three groups. */
export function deepResnet(shape: DeepResnetShape, depth: number): Chain {
  return resnet({
    inputs: [1, shape.size, shape.size],
    classes: 10,
    widths: [shape.width, 2 * shape.width, 4 * shape.width],
    blocks: [depth, depth, depth],
  });
}

/**
 * The largest d in 1..max with `fits(d)`, or 0 when even d = 1 does not fit. `fits` must be
 * monotone (true up to some depth, false beyond); it is called O(log max) times.
 *
 * @example
 * ```ts
 * deepestFitting((d) => d * d <= 50, 1000); // 7
 * ```
 */
export function deepestFitting(fits: (depth: number) => boolean, max: number): number {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`deepestFitting: max must be ≥ 1; got ${max}`);
  if (!fits(1)) return 0;
  let lo = 1, hi = 2; // fits(lo) holds; hi is untested
  while (hi <= max && fits(hi)) (lo = hi), (hi *= 2);
  hi = Math.min(hi, max + 1); // fits(hi) fails, or hi is past max
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The static profile of the depth-d net, cached (searches ask for the same depth twice). */
export function profiles(shape: DeepResnetShape): (depth: number) => Profile {
  const cache = new Map<number, Profile>();
  return (depth) => {
    let p = cache.get(depth);
    if (p === undefined) cache.set(depth, p = staticProfile(deepResnet(shape, depth), shape.batch));
    return p;
  };
}

/**
 * `optimal`'s plan under `bytes` when its predicted time is at most (1 + overhead) times
 * store-all's on the same profile; null when no plan fits or the fastest is slower than that.
 */
export function optimalWithin(profile: Profile, bytes: number, overhead: number): StrategyPlan | null {
  if (optimalSmallestBytes(profile) > bytes) return null;
  const plan = optimal(profile, { bytes });
  const ratio = plan.summary().predictedTime / storeAll(profile).summary().predictedTime;
  return ratio <= 1 + overhead ? plan : null;
}

/**
 * Deepest depths under `bytes`: with store-all, and with `optimal` at a predicted time overhead
 * of at most `overhead` (0.3: 30% more time than store-all on the same net).
 */
export function deepestUnder(
  profileAt: (depth: number) => Profile,
  limits: { readonly bytes: number; readonly overhead: number; readonly maxDepth: number },
): { storeAll: number; optimal: number } {
  const { bytes, overhead, maxDepth } = limits;
  return {
    storeAll: deepestFitting((d) => storeAll(profileAt(d)).summary().predictedPeakBytes <= bytes, maxDepth),
    optimal: deepestFitting((d) => optimalWithin(profileAt(d), bytes, overhead) !== null, maxDepth),
  };
}
