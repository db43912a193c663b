/**
 * uniform: checkpoint every k-th stage input; each segment is recomputed once during the
 * backward, the last segment runs with tapes in the first sweep (as PyTorch's
 * `checkpoint_sequential` does).
 * @module
 */
import { InvalidArgument, type Profile } from "@remat/core";
import { checkpointSchedule } from "./schedule.ts";
import { planOf, type StrategyPlan } from "./strategy.ts";

/** Options of `uniform`. */
export interface UniformOptions {
  /** Segment length k ≥ 1: checkpoints at x_k, x_2k, … */
  readonly every: number;
}

/**
 * Checkpoints every `every`-th stage input.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { uniform } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const plan = uniform(profile, { every: 4 });
 * ```
 */
export function uniform(profile: Profile, options: UniformOptions): StrategyPlan {
  const n = profile.stages.length;
  const k = options.every;
  if (!Number.isInteger(k) || k < 1) {
    throw new InvalidArgument({
      name: "every",
      value: k,
      expected: `a positive integer (the chain has ${n} stages)`,
    });
  }
  return planOf(checkpointSchedule(everyK(n, k), n), profile, `uniform(every=${k})`);
}

/**
 * Checkpoint positions k, 2k, … below n.
 *
 * @example
 * ```ts
 * import { everyK } from "@remat/strategies";
 * everyK(10, 3); // [3, 6, 9]
 * ```
 */
export function everyK(n: number, k: number): number[] {
  const checkpoints: number[] = [];
  for (let c = k; c < n; c += k) checkpoints.push(c);
  return checkpoints;
}
