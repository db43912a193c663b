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
import {
  type Backend,
  type Chain,
  initParams,
  type Params,
  type Profile,
  releaseParams,
  staticProfile,
} from "@remat/core";
import { arbitraryConvChain } from "./random_convnets.ts";
import { arbitraryChain } from "./random_chains.ts";
import { assertStepBits, bitEqual, hostStep, randomBatch, storeAllStep } from "./step_helpers.ts";
import {
  budget,
  optimal,
  optimalSmallestBytes,
  revolve,
  sqrt,
  storeAll,
  type StrategyPlan,
  uniform,
  withTapePolicy,
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
  {
    name: "optimal(bytes, granularity=stage)",
    plan: (p, f) => {
      const bytes = budgetBetween(optimalSmallestBytes(p, { granularity: "stage" }), storeAllPeak(p), f);
      return optimal(p, { bytes, granularity: "stage" });
    },
  },
  // partial tapes: every tape under one policy, so each run re-runs dropped ops in its backward
  { name: "storeAll, saveMatmuls tapes", plan: (p) => withTapePolicy(storeAll(p), "saveMatmuls", p) },
  { name: "storeAll, saveNothing tapes", plan: (p) => withTapePolicy(storeAll(p), "saveNothing", p) },
  { name: "sqrt, saveMatmuls tapes", plan: (p) => withTapePolicy(sqrt(p), "saveMatmuls", p) },
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

  test(`${name}: running statistics after three steps are store-all's bit for bit for every strategy (one update per step)`, async () => {
    const backend = await makeBackend();
    const withNorm = arbitraryConvChain(3, 6).filter((c) =>
      c.stages.some((s) => s.params.some((p) => p.state))
    );
    await fc.assert(
      fc.asyncProperty(
        withNorm,
        fc.nat(999),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (chain, seed, f) => {
          const profile = staticProfile(chain, 2);
          // every strategy at a random feasible budget, and revolve with one slot, which
          // recomputes every stage but the last: a second update in a recompute would show
          const plans = [
            storeAll(profile),
            ...strategies.flatMap((s) => s.plan(profile, f) ?? []),
            revolve(profile, { slots: 1 }),
          ];
          const states: Float32Array[][] = [];
          for (const plan of plans) {
            const params = initParams(chain, backend, seed);
            try {
              for (let step = 0; step < 3; step++) {
                const host = randomBatch(chain, 2, seed + step);
                await hostStep(plan, { backend, chain, params, host, key: { seed, step } });
              }
              states.push(await readState(backend, chain, params));
            } finally {
              releaseParams(params);
            }
          }
          for (let i = 1; i < states.length; i++) {
            states[i]!.forEach((s, j) =>
              assert.ok(
                bitEqual(s, states[0]![j]!),
                `${plans[i]!.strategy} on ${chain.name}: running statistic ${j}`,
              )
            );
          }
          assert.ok(states[0]!.length > 0, `${chain.name}: no running statistics`);
          const fresh = initParams(chain, backend, seed);
          const before = await readState(backend, chain, fresh);
          releaseParams(fresh);
          assert.ok(
            before.some((s, j) => !bitEqual(s, states[0]![j]!)),
            `${chain.name}: the running statistics moved`,
          );
        },
      ),
      { numRuns: Math.max(4, Math.round(runs / 3)) },
    );
    backend.dispose();
  });
}

/** Host copies of every state parameter (running statistics) of the chain, in stage order. */
async function readState(backend: Backend, chain: Chain, params: Params): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const [i, stage] of chain.stages.entries()) {
    for (const [j, spec] of stage.params.entries()) {
      if (spec.state) out.push((await backend.read(params[i]![j]!)) as Float32Array);
    }
  }
  return out;
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
