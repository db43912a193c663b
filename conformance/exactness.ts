/**
 * The strategies' exactness suite, run by every backend: on random chains (1–24 stages,
 * mixed kinds and widths, dropout on and off), every strategy's plan gives a loss and
 * parameter gradients bit-identical to store-all, and its measured peak equals its
 * predicted peak and stays within the budget it was asked for.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Backend, initParams, type Profile, releaseParams, staticProfile } from "@remat/core";
import { arbitraryChain } from "./random_chains.ts";
import { assertStepBits, hostStep, randomBatch, storeAllStep } from "./step_helpers.ts";
import {
  budget,
  optimal,
  optimalSmallestBytes,
  revolve,
  sqrt,
  storeAll,
  type StrategyPlan,
  uniform,
} from "@remat/strategies";

/** A strategy under test: a plan for a profile and a budget fraction in [0, 1] (ignored by budget-free ones). */
export interface StrategyCase {
  /** Display name in test titles. */
  readonly name: string;
  /** The plan for `profile` at budget `fraction`, or null to skip this case. */
  plan(profile: Profile, fraction: number): StrategyPlan | null;
}

/** storeAll, sqrt, uniform, budget and revolve; the fraction picks the budget or the slots. */
export const BASIC_STRATEGIES: ReadonlyArray<StrategyCase> = [
  { name: "storeAll", plan: (p) => storeAll(p) },
  { name: "sqrt", plan: (p) => sqrt(p) },
  { name: "uniform(every=1)", plan: (p) => uniform(p, { every: 1 }) },
  { name: "uniform(every=2)", plan: (p) => uniform(p, { every: 2 }) },
  { name: "uniform(every=3)", plan: (p) => uniform(p, { every: 3 }) },
  { name: "budget(fraction)", plan: (p, f) => budget(p, { fraction: f }) },
  { name: "revolve(slots)", plan: (p, f) => revolve(p, { slots: 1 + Math.floor(f * p.stages.length) }) },
  {
    name: "optimal(bytes)",
    plan: (p, f) => {
      const bytes = budgetBetween(optimalSmallestBytes(p), storeAllPeak(p), f);
      const plan = optimal(p, { bytes });
      if (plan.summary().predictedPeakBytes > bytes) throw new Error(`optimal exceeded its budget ${bytes}`);
      return plan;
    },
  },
];

/**
 * Registers the exactness property for `strategies` on a backend.
 *
 * @example
 * ```ts
 * // backends/cpu/strategy_exactness_test.ts
 * import { runStrategyExactness } from "@remat/conformance";
 * import { CpuBackend } from "@remat/cpu";
 * runStrategyExactness("cpu", () => new CpuBackend());
 * ```
 */
export function runStrategyExactness(
  name: string,
  makeBackend: () => Backend | Promise<Backend>,
  strategies: ReadonlyArray<StrategyCase> = BASIC_STRATEGIES,
  runs = 25,
): void {
  test(`${name}: every strategy's gradients are bit-identical to store-all, measured peak = predicted ≤ budget`, async () => {
    const backend = await makeBackend();
    await fc.assert(
      fc.asyncProperty(
        arbitraryChain(1, 24),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.nat(999),
        async (chain, batch, fraction, seed) => {
          const profile = staticProfile(chain, batch);
          const params = initParams(chain, backend, seed);
          const host = randomBatch(chain, batch, seed);
          const key = { seed, step: 1 };
          try {
            const reference = await storeAllStep({ backend, chain, params, host, key });
            for (const s of strategies) {
              const plan = s.plan(profile, fraction);
              if (!plan) continue;
              const got = await hostStep(plan, { backend, chain, params, host, key });
              const where = `${s.name} on ${chain.name}`;
              assertStepBits(got, reference, chain, where);
              const summary = plan.summary();
              assert.equal(got.peakBytes, summary.predictedPeakBytes, `${where}: measured peak = predicted`);
              assert.deepEqual(got.forwards, summary.forwardsPerStage, `${where}: forwards per stage`);
            }
          } finally {
            releaseParams(params);
          }
        },
      ),
      { numRuns: runs },
    );
    assert.equal(backend.memory.report().activationLive, 0);
    backend.dispose();
  });
}

/**
 * Budget in bytes at `fraction` of the way from `low` to `high`.
 *
 * @example
 * ```ts
 * import { budgetBetween } from "@remat/conformance";
 * budgetBetween(1000, 2000, 0.25); // 1250
 * ```
 */
export function budgetBetween(low: number, high: number, fraction: number): number {
  return Math.floor(low + (high - low) * fraction);
}

/**
 * Store-all's predicted peak bytes: the top of a budget range.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { storeAllPeak } from "@remat/conformance";
 * storeAllPeak(staticProfile(mlp({ depth: 4, width: 32, hidden: 64, classes: 10 }), 16)); // bytes
 * ```
 */
export function storeAllPeak(profile: Profile): number {
  return storeAll(profile).summary().predictedPeakBytes;
}
