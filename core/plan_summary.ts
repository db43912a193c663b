/**
 * A plan's summary: predicted peak, predicted time and overhead against no recomputation,
 * forward count per stage, and a readable listing.
 * @module
 */
import { formatPlan, type Plan } from "./plan.ts";
import { predictPlan } from "./predict.ts";
import type { Profile } from "./profile.ts";

/** What `summarizePlan` reports. */
export interface PlanSummary {
  /** The strategy that made the plan. */
  readonly strategy: string;
  /** Number of stages of the chain. */
  readonly stages: number;
  /** Predicted peak activation bytes (equal to what the scheduler measures). */
  readonly predictedPeakBytes: number;
  /** Predicted time of the step, milliseconds (profile units). */
  readonly predictedTime: number;
  /** Predicted time of the same step without recomputation. */
  readonly baselineTime: number;
  /** predictedTime / baselineTime − 1. */
  readonly overhead: number;
  /** Forward executions per stage. */
  readonly forwardsPerStage: ReadonlyArray<number>;
  /** Forwards without a tape, the initial sweep included. */
  readonly untapedForwards: number;
  /** The numbered instruction list (computed when read). */
  readonly listing: string;
}

/**
 * Summarises `plan` under `profile`.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile, storeAllPlan, summarizePlan } from "@remat/core";
 * const chain = mlp({ depth: 4, width: 32, hidden: 64, classes: 10, inputs: 2 });
 * const summary = summarizePlan(storeAllPlan(chain.stages.length), staticProfile(chain, 64));
 * console.log(summary.predictedPeakBytes, summary.overhead); // overhead ≈ 0: nothing is recomputed
 * ```
 */
export function summarizePlan(plan: Plan, profile: Profile): PlanSummary {
  const p = predictPlan(profile, plan);
  const baselineTime = profile.stages.reduce((t, s) => t + s.forwardTime + s.backwardTime, 0) +
    profile.loss.time;
  return {
    strategy: plan.strategy,
    stages: plan.stages,
    predictedPeakBytes: p.peakBytes,
    predictedTime: p.time,
    baselineTime,
    overhead: baselineTime > 0 ? p.time / baselineTime - 1 : 0,
    forwardsPerStage: p.forwards,
    untapedForwards: p.untapedForwards,
    // Built on demand: a plan of millions of instructions has a listing of tens of megabytes.
    get listing() {
      return formatPlan(plan);
    },
  };
}
