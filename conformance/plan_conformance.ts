/**
 * The exactness suite for any plan on a backend: random valid plans (extra recomputes,
 * early frees, taped and untaped forwards) on random chains give loss and gradients
 * bit-identical to store-all, and the measured peak equals the memory model's prediction.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Backend, initParams, predictPlan, releaseParams, staticProfile } from "@remat/core";
import { arbitraryChain } from "./random_chains.ts";
import { arbitraryPlan } from "./random_plans.ts";
import { assertStepBits, hostStep, randomBatch, storeAllStep } from "./step_helpers.ts";

/**
 * Registers the plan-exactness property for a backend.
 *
 * @example
 * ```ts
 * // backends/cpu/plan_conformance_test.ts
 * import { runPlanConformance } from "@remat/conformance";
 * import { CpuBackend } from "@remat/cpu";
 * runPlanConformance("cpu", () => new CpuBackend());
 * ```
 */
export function runPlanConformance(
  name: string,
  makeBackend: () => Backend | Promise<Backend>,
  runs = 60,
): void {
  test(`${name}: any valid plan gives store-all's gradients bit for bit, and its predicted peak`, async () => {
    const backend = await makeBackend();
    const cases = arbitraryChain(1, 12).chain((chain) =>
      fc.record({
        chain: fc.constant(chain),
        plan: arbitraryPlan(chain.stages.length),
        batch: fc.integer({ min: 1, max: 3 }),
      })
    );
    await fc.assert(
      fc.asyncProperty(cases, fc.nat(1000), async ({ chain, plan, batch }, seed) => {
        const params = initParams(chain, backend, seed);
        const host = randomBatch(chain, batch, seed);
        try {
          const key = { seed, step: 3 };
          const reference = await storeAllStep({ backend, chain, params, host, key });
          const got = await hostStep(plan, { backend, chain, params, host, key });
          assertStepBits(got, reference, chain, plan.strategy);
          const predicted = predictPlan(staticProfile(chain, batch), plan);
          assert.equal(got.peakBytes, predicted.peakBytes, "measured peak = predicted peak");
          assert.deepEqual(got.forwards, predicted.forwards);
        } finally {
          releaseParams(params);
        }
      }),
      { numRuns: runs },
    );
    assert.equal(backend.memory.report().activationLive, 0);
    backend.dispose();
  });
}
