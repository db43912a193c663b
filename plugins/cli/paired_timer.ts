/**
 * Step times of plans measured against store-all in the same run: the two alternate step by
 * step (which goes first alternates too), so slow drifts of a shared machine hit both alike,
 * and the ratio is the median of adjacent pairs' ratios: over windows of 27 pairs it varies
 * less than the ratio of median or of fastest times (`benchmarks/timer_noise.ts` measures
 * the three on the reference MLP). A full garbage collection runs
 * before each timed step when the runtime exposes one (Deno: `--v8-flags=--expose-gc`).
 * A step's time ends when the backend has finished its work (`flush`), so the timer measures
 * a GPU backend's steps as well as the CPU's.
 * @module
 */
import { type Backend, type Chain, executePlan, type Params, type Plan, type Tensor } from "@remat/core";

/** One plan's measurement. */
export interface PlanTiming {
  /** Median step time, ms. */
  readonly ms: number;
  /** Median of the (plan / store-all) pair ratios. */
  readonly ratio: number;
  /** Measured peak activation bytes. */
  readonly peakBytes: number;
}

/**
 * A timer over one chain, parameters and batch on a backend.
 * @example
 * ```ts
 * const timer = await new PairedTimer(backend, chain, params, { x, y }, storeAllPlan(chain.stages.length), 9).warmUp();
 * const { ratio } = await timer.time(sqrt(profile));
 * ```
 */
export class PairedTimer {
  /**
   * A timer of `chain` stepped with `params` on `batch`; call {@link warmUp} before timing.
   * @param pairs timed pairs per plan
   */
  constructor(
    readonly backend: Backend,
    readonly chain: Chain,
    readonly params: Params,
    readonly batch: { readonly x: Tensor; readonly y: Tensor },
    readonly base: Plan,
    readonly pairs: number,
  ) {}

  /** Two untimed store-all steps (a GPU backend compiles its pipelines here); returns the timer. */
  async warmUp(): Promise<this> {
    for (let w = 0; w < 2; w++) await this.step(this.base, w);
    return this;
  }

  /** Runs one step of `plan` (forward + backward) to completion, returning its time and peak. */
  async step(plan: Plan, s: number): Promise<{ ms: number; peakBytes: number }> {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    const out = executePlan(plan, {
      backend: this.backend,
      chain: this.chain,
      params: this.params,
      batch: this.batch,
      key: { seed: 0, step: s },
    });
    await this.backend.flush();
    const ms = performance.now() - t0;
    out.loss.release();
    for (const row of out.grads) for (const g of row) g.release();
    return { ms, peakBytes: out.peakBytes };
  }

  /** `plan` against the store-all plan, `pairs` pairs after one untimed step. */
  time(plan: Plan): Promise<PlanTiming> {
    return this.duel(plan, this.base, this.pairs);
  }

  /** `a` against `b`, `pairs` alternating pairs: a's median time, a/b ratio and peak. */
  async duel(a: Plan, b: Plan, pairs: number): Promise<PlanTiming> {
    if (!Number.isInteger(pairs) || pairs < 1) {
      throw new RangeError(`PairedTimer: pairs must be a positive integer; got ${pairs}`);
    }
    const ts: number[] = [], ratios: number[] = [];
    let peakBytes = (await this.step(a, 0)).peakBytes;
    for (let s = 1; s <= pairs; s++) {
      const aFirst = s % 2 === 0;
      const ra = aFirst ? await this.step(a, s) : undefined;
      const rb = await this.step(b, s);
      const r = ra ?? await this.step(a, s);
      ts.push(r.ms);
      ratios.push(r.ms / rb.ms);
      peakBytes = r.peakBytes;
    }
    return { ms: median(ts), ratio: median(ratios), peakBytes };
  }
}

function median(xs: ReadonlyArray<number>): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
