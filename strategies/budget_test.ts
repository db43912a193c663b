import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  BudgetInfeasible,
  findPlanError,
  InvalidArgument,
  predictPlan,
  type Profile,
  staticProfile,
} from "@remat/core";
import { arbitraryChain, homogeneousProfile, syntheticStage } from "@remat/conformance";
import { budget, BUDGET_DP_MAX_STAGES, budgetBounds } from "./budget.ts";
import { sqrt } from "./sqrt.ts";
import { storeAll } from "./store_all.ts";
import { uniform } from "./uniform.ts";

/** A synthetic profile of n stages with seeded random bytes, flags and times. */
function randomProfile(n: number, seed: number): Profile {
  let x = seed >>> 0 || 1;
  const r = (k: number) => {
    x ^= x << 13, x ^= x >>> 17, x ^= x << 5;
    return 1 + ((x >>> 0) % k);
  };
  const stages = Array.from({ length: n }, () => {
    const out = 256 * r(16), tape = 256 * r(32) - 256;
    return syntheticStage({
      outputBytes: out,
      tapeBytes: tape,
      tapeHoldsInput: r(2) === 1,
      tapeHoldsOutput: r(2) === 1,
      forwardPeakRecord: out + tape + 128 * r(8),
      forwardPeakDiscard: out + 128 * r(4),
      backwardPeak: tape + 256 * r(8),
      forwardTime: r(100) / 10,
      backwardTime: r(200) / 10,
    });
  });
  return {
    chain: `random(${n}, ${seed})`,
    batch: 1,
    source: "synthetic",
    stages,
    loss: { peak: 256 * r(8), time: 1 },
  };
}

/** Checks a budget's plan: valid, its predicted peak within the budget, summary consistent. */
function checkPlan(profile: Profile, bytes: number) {
  const plan = budget(profile, { bytes });
  const n = profile.stages.length;
  assert.equal(findPlanError(plan, n), undefined, `${profile.chain} at ${bytes} B`);
  const p = predictPlan(profile, plan);
  assert.ok(p.peakBytes <= bytes, `${profile.chain}: predicted peak ${p.peakBytes} > budget ${bytes}`);
  // Store-or-recompute-once: every stage runs forward once or twice, exactly once with a tape.
  for (const f of p.forwards) assert.ok(f === 1 || f === 2, `forwards per stage ${p.forwards}`);
  return { plan, prediction: p };
}

/** Predicted times over `steps + 1` budgets from the smallest to store-all's, each checked. */
function sweep(profile: Profile, steps: number): number[] {
  const { minBytes, maxBytes } = budgetBounds(profile);
  const times: number[] = [];
  for (let k = 0; k <= steps; k++) {
    times.push(
      checkPlan(profile, Math.round(minBytes + (k / steps) * (maxBytes - minBytes))).prediction.time,
    );
  }
  return times;
}

const assertNonIncreasing = (times: number[], where: string) => {
  for (let k = 1; k < times.length; k++) {
    assert.ok(
      times[k]! <= times[k - 1]!,
      `${where}: time ${times[k]} at budget step ${k} > ${times[k - 1]} before`,
    );
  }
};

describe("budget", () => {
  test("on random chains: valid plans within random budgets, fraction 0 and 1 at the bounds", () => {
    fc.assert(
      fc.property(
        arbitraryChain(1, 24),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1.2, noNaN: true }),
        (chain, batch, fraction, scale) => {
          const profile = staticProfile(chain, batch);
          const n = profile.stages.length;
          const { minBytes, maxBytes } = budgetBounds(profile);
          assert.ok(minBytes <= maxBytes);
          const all = storeAll(profile).summary();
          assert.equal(maxBytes, all.predictedPeakBytes);

          const byFraction = budget(profile, { fraction });
          assert.equal(findPlanError(byFraction, n), undefined);
          const s = byFraction.summary();
          assert.ok(s.predictedPeakBytes <= minBytes + fraction * (maxBytes - minBytes));

          checkPlan(profile, Math.floor(minBytes + scale * (maxBytes - minBytes)));

          // minBytes is the family's least peak: nothing peaks below it, and its member fits it.
          assert.equal(checkPlan(profile, minBytes).prediction.peakBytes, minBytes);
          assert.equal(budget(profile, { fraction: 0 }).summary().predictedPeakBytes, minBytes);

          const full = budget(profile, { fraction: 1 }).summary();
          assert.equal(full.predictedTime, all.predictedTime);
          assert.equal(full.predictedPeakBytes, all.predictedPeakBytes);
          assert.equal(full.untapedForwards, 0);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("fraction 1 and any budget ≥ store-all's peak recompute nothing", () => {
    for (
      const profile of [
        homogeneousProfile(1),
        homogeneousProfile(7),
        homogeneousProfile(300),
        randomProfile(50, 3),
      ]
    ) {
      const all = storeAll(profile).summary();
      for (
        const options of [{ fraction: 1 }, { bytes: all.predictedPeakBytes }, {
          bytes: 10 * all.predictedPeakBytes,
        }]
      ) {
        const plan = budget(profile, options);
        const s = plan.summary();
        assert.equal(s.untapedForwards, 0);
        assert.equal(s.predictedTime, all.predictedTime);
        assert.deepEqual(plan.instructions, storeAll(profile).instructions);
      }
    }
  });

  test("fraction 0 fits the smallest peak, which is never above sqrt's or any uniform's", () => {
    fc.assert(
      fc.property(arbitraryChain(1, 24), fc.integer({ min: 1, max: 3 }), (chain, batch) => {
        const profile = staticProfile(chain, batch);
        const n = profile.stages.length;
        const { minBytes } = budgetBounds(profile);
        assert.equal(budget(profile, { fraction: 0 }).summary().predictedPeakBytes, minBytes);
        assert.ok(minBytes <= sqrt(profile).summary().predictedPeakBytes);
        for (let k = 1; k <= n; k++) {
          assert.ok(minBytes <= uniform(profile, { every: k }).summary().predictedPeakBytes, `every ${k}`);
        }
      }),
      { numRuns: 40 },
    );
    const profile = homogeneousProfile(1000);
    const { minBytes, maxBytes } = budgetBounds(profile);
    assert.ok(minBytes <= sqrt(profile).summary().predictedPeakBytes);
    assert.ok(minBytes < maxBytes / 20, `√n memory for 1,000 stages: ${minBytes} vs store-all ${maxBytes}`);
  });

  test("below the smallest peak: BudgetInfeasible naming the smallest feasible bytes", () => {
    for (const profile of [homogeneousProfile(1), homogeneousProfile(40), randomProfile(30, 7)]) {
      const { minBytes } = budgetBounds(profile);
      assert.ok(minBytes > 0);
      for (const bytes of [minBytes - 1, Math.floor(minBytes / 2), 1]) {
        assert.throws(() => budget(profile, { bytes }), (e: unknown) => {
          assert.ok(e instanceof BudgetInfeasible);
          assert.equal(e.strategy, "budget");
          assert.equal(e.requestedBytes, bytes);
          assert.equal(e.smallestFeasibleBytes, minBytes);
          assert.ok(e.message.includes(`the smallest feasible budget is ${minBytes} bytes`), e.message);
          assert.ok(
            e.message.includes(
              `no plan of its family (each stage stored or recomputed once) fits in ${bytes} bytes`,
            ),
            e.message,
          );
          return true;
        });
      }
      assert.ok(budget(profile, { bytes: minBytes }).summary().predictedPeakBytes <= minBytes);
    }
  });

  test("time never increases with the budget (homogeneous, random chains, both knapsack solvers)", () => {
    for (const n of [1, 2, 5, 20, 100, 500]) {
      assertNonIncreasing(sweep(homogeneousProfile(n), 40), `homogeneousProfile(${n})`);
    }
    for (const [n, seed] of [[30, 1], [300, 2], [BUDGET_DP_MAX_STAGES + 500, 3]] as const) {
      assertNonIncreasing(sweep(randomProfile(n, seed), n > 1000 ? 12 : 40), `random(${n}, ${seed})`);
    }
    fc.assert(
      fc.property(arbitraryChain(1, 24), fc.integer({ min: 1, max: 3 }), (chain, batch) => {
        const profile = staticProfile(chain, batch);
        assertNonIncreasing(sweep(profile, 30), chain.name);
      }),
      { numRuns: 40 },
    );
  });

  test("time is store-all's plus one forward per recomputed stage, from most stages to none", () => {
    const n = 100;
    const profile = homogeneousProfile(n);
    const base = storeAll(profile).summary().predictedTime;
    const { minBytes, maxBytes } = budgetBounds(profile);
    const extra: number[] = [];
    for (let k = 0; k <= 20; k++) {
      const s = budget(profile, { bytes: Math.round(minBytes + (k / 20) * (maxBytes - minBytes)) }).summary();
      assert.ok(
        Math.abs(s.predictedTime - (base + s.untapedForwards * profile.stages[0]!.forwardTime)) < 1e-9,
      );
      extra.push(s.untapedForwards);
    }
    assert.ok(extra[0]! > n * 0.9, `fraction 0 recomputes most stages: ${extra[0]}`);
    assert.equal(extra[20], 0);
    assert.ok(new Set(extra).size > 15, `the sweep moves through many members: ${extra}`);
  });

  test("the knapsack stores the stages that save the most time per byte", () => {
    // Alternating stages: "dear" ones (slow forward, small tape) and "cheap" ones (fast forward, big tape).
    const dear = syntheticStage({ name: "dear", forwardTime: 10, tapeBytes: 1024, forwardPeakRecord: 5120 });
    const cheap = syntheticStage({
      name: "cheap",
      forwardTime: 0.1,
      tapeBytes: 16384,
      forwardPeakRecord: 20480,
    });
    for (const n of [60, BUDGET_DP_MAX_STAGES + 200]) {
      const stages = Array.from({ length: n }, (_, i) => (i % 2 ? cheap : dear));
      const profile: Profile = {
        chain: `alternating(${n})`,
        batch: 1,
        source: "synthetic",
        stages,
        loss: { peak: 4096, time: 0.1 },
      };
      const { minBytes, maxBytes } = budgetBounds(profile);
      const { prediction } = checkPlan(profile, Math.round(minBytes + 0.3 * (maxBytes - minBytes)));
      let dearStored = 0, cheapStored = 0;
      prediction.forwards.forEach((f, i) => {
        if (f === 1) i % 2 ? cheapStored++ : dearStored++;
      });
      assert.ok(dearStored > n / 4, `${n}: dear stages stored: ${dearStored}`);
      assert.ok(cheapStored < dearStored / 4, `${n}: cheap stored ${cheapStored} vs dear ${dearStored}`);
    }
  });

  test("10,000 stages (greedy knapsack): valid plans within budget", () => {
    const profile = homogeneousProfile(10_000);
    const { minBytes, maxBytes } = budgetBounds(profile);
    for (const fraction of [0, 0.3, 0.9]) {
      const plan = budget(profile, { fraction });
      assert.equal(findPlanError(plan, 10_000), undefined);
      assert.ok(predictPlan(profile, plan).peakBytes <= minBytes + fraction * (maxBytes - minBytes));
    }
  });

  test("an empty chain: store-all", () => {
    const plan = budget(homogeneousProfile(0), { fraction: 0.5 });
    assert.deepEqual(plan.instructions, storeAll(homogeneousProfile(0)).instructions);
  });

  test("bad options throw InvalidArgument naming the value", () => {
    const profile = homogeneousProfile(5);
    const bad: Array<[unknown, RegExp]> = [
      [{ bytes: -1 }, /invalid bytes: got -1; expected a whole number of bytes ≥ 1/],
      [{ bytes: NaN }, /invalid bytes: got .*; expected a whole number of bytes ≥ 1/],
      [{ bytes: -Infinity }, /invalid bytes/],
      [{ bytes: Infinity }, /invalid bytes/],
      [{ bytes: 0 }, /invalid bytes: got 0/],
      [{ bytes: 1.5 }, /invalid bytes: got 1.5/],
      [{ bytes: "100" }, /invalid bytes: got "100"/],
      [{ fraction: -0.1 }, /invalid fraction: got -0.1; expected a number in \[0, 1\]/],
      [{ fraction: 1.5 }, /invalid fraction: got 1.5; expected a number in \[0, 1\]/],
      [{ fraction: NaN }, /invalid fraction: got .*; expected a number in \[0, 1\]/],
      [{}, /invalid options: got \{\}; expected exactly one of/],
      [{ bytes: 100, fraction: 0.5 }, /invalid options: .*expected exactly one of/],
      [undefined, /invalid options/],
    ];
    for (const [options, message] of bad) {
      assert.throws(() => budget(profile, options as { bytes: number }), (e: unknown) => {
        assert.ok(e instanceof InvalidArgument, String(e));
        assert.match(e.message, message);
        return true;
      });
    }
  });
});
