/**
 * Training steps of one model under store-all, sqrt and optimal (at sqrt's bytes) on a
 * backend: each plan's step time as a ratio to store-all from alternating pairs in one run
 * (the CLI's `PairedTimer`), its measured peak beside the predicted one, and how many
 * dispatches a store-all step issues on a WebGPU backend. The profile behind the predicted
 * times is measured on the same backend first.
 * @module
 */
import { type Backend, initParams, measureProfile, releaseParams, uploadBatch } from "@remat/core";
import { type ModelSetup, PairedTimer } from "@remat/cli";
import { optimal, sqrt, storeAll, type StrategyPlan } from "@remat/strategies";

/** One plan's row. */
export interface StrategyStepRow {
  readonly strategy: string;
  readonly measuredPeakBytes: number;
  readonly predictedPeakBytes: number;
  readonly peaksEqual: boolean;
  /** Median step time (forward + backward, optimizer excluded), ms. */
  readonly ms: number;
  /** Median of (plan / store-all) pair ratios. */
  readonly measuredRatio: number;
  /** The plan's predicted time over store-all's, on the measured profile. */
  readonly predictedRatio: number;
  /** Recomputed (untaped) forwards per step. */
  readonly recomputedForwards: number;
}

/** One model's rows. */
export interface StrategyStepReport {
  readonly model: string;
  readonly batch: number;
  readonly stages: number;
  readonly pairs: number;
  /** Dispatches of one store-all step, where the backend counts them. */
  readonly dispatchesPerStep: number | null;
  readonly rows: ReadonlyArray<StrategyStepRow>;
}

/** A backend that counts its dispatches (the WebGPU backend's runner does). */
interface CountsDispatches {
  readonly runner: { readonly stats: { readonly dispatches: number } };
}

/**
 * Measures store-all, sqrt and optimal at sqrt's bytes on `backend`.
 * @param options pairs: timed pairs per plan (default 9)
 * @example
 * ```ts
 * const report = await strategySteps(new CpuBackend(), buildModel({ preset: "small" }), { pairs: 3 });
 * ```
 */
export async function strategySteps(
  backend: Backend,
  model: ModelSetup,
  options: { readonly pairs?: number } = {},
): Promise<StrategyStepReport> {
  const pairs = options.pairs ?? 9;
  const { chain, data, batch, seed } = model;
  const profile = await measureProfile(chain, backend, batch, { repeats: 3, seed });
  const base = storeAll(profile), sq = sqrt(profile);
  const plans: StrategyPlan[] = [base, sq, optimal(profile, { bytes: sq.summary().predictedPeakBytes })];
  const params = initParams(chain, backend, seed);
  const host = uploadBatch(data, { backend, chain, size: batch });
  try {
    const timer = await new PairedTimer(backend, chain, params, host, base, pairs).warmUp();
    const runner = (backend as Partial<CountsDispatches>).runner; // its stats are a fresh object per read
    const before = runner?.stats.dispatches ?? 0;
    await timer.step(base, 0);
    const dispatchesPerStep = runner ? runner.stats.dispatches - before : null;
    const baseTime = base.summary().predictedTime;
    const rows: StrategyStepRow[] = [];
    for (const plan of plans) {
      const run = await timer.time(plan), s = plan.summary();
      rows.push({
        strategy: plan.strategy,
        measuredPeakBytes: run.peakBytes,
        predictedPeakBytes: s.predictedPeakBytes,
        peaksEqual: run.peakBytes === s.predictedPeakBytes,
        ms: run.ms,
        measuredRatio: run.ratio,
        predictedRatio: s.predictedTime / baseTime,
        recomputedForwards: s.untapedForwards,
      });
    }
    return { model: chain.name, batch, stages: chain.stages.length, pairs, dispatchesPerStep, rows };
  } finally {
    host.x.release();
    host.y.release();
    releaseParams(params);
  }
}
