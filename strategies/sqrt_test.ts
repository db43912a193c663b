import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { findPlanError, gpt, mlp, type Profile, staticProfile } from "@remat/core";
import { arbitraryChain } from "@remat/conformance";
import { checkpointSchedule, planOf } from "./mod.ts";
import { everyKFromEnd, sqrt, sqrtSegment } from "./sqrt.ts";
import { everyK, uniform } from "./uniform.ts";

const forwardsPerStage = (plan: ReturnType<typeof sqrt>, n: number) =>
  Array.from(
    { length: n },
    (_, i) => plan.instructions.filter((x) => x.op === "forward" && x.stage === i).length,
  );

/** PyTorch's `checkpoint_sequential(segments = s)`: ⌊n/s⌋-stage segments, the last takes the rest. */
const pytorchSegments = (n: number, s: number) => {
  const q = Math.floor(n / s);
  return Array.from({ length: s - 1 }, (_, i) => (i + 1) * q);
};

/** Predicted (peak, time) of every layout sqrt is documented to compare, each by predictPlan. */
function layoutsByPredictPlan(profile: Profile, ks: number[], ss: number[]) {
  const n = profile.stages.length;
  const of = (label: string, checkpoints: number[]) => {
    const s = planOf(checkpointSchedule(checkpoints, n), profile, label).summary();
    return { label, peak: s.predictedPeakBytes, time: s.predictedTime };
  };
  return [
    ...ks.map((k) => of(`uniform(every=${k})`, everyK(n, k))),
    ...ks.map((k) => of(`every ${k} from the end`, everyKFromEnd(n, k))),
    ...ss.map((s) => of(`checkpoint_sequential(segments=${s})`, pytorchSegments(n, s))),
  ];
}

/** sqrt's (peak, time) is never worse, lexicographically, than any of the layouts. */
function assertNeverWorse(profile: Profile, ks: number[], ss: number[]) {
  const mine = sqrt(profile).summary();
  for (const other of layoutsByPredictPlan(profile, ks, ss)) {
    assert.ok(mine.predictedPeakBytes <= other.peak, `${profile.chain}: peak above ${other.label}'s`);
    if (mine.predictedPeakBytes === other.peak) {
      assert.ok(
        mine.predictedTime <= other.time * (1 + 1e-12),
        `${profile.chain}: at ${other.peak} B, ${mine.predictedTime} slower than ${other.label}'s ${other.time}`,
      );
    }
  }
}

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test("everyKFromEnd counts checkpoints from the end; the first segment takes the remainder", () => {
  assert.deepEqual(everyKFromEnd(10, 3), [1, 4, 7]);
  assert.deepEqual(everyKFromEnd(9, 3), [3, 6]);
  assert.deepEqual(everyKFromEnd(3, 5), []);
  assert.throws(() => everyKFromEnd(10, 0), /k must be an integer ≥ 1; got 0/);
});

test("sqrt runs its stored last segment once and every other stage twice, as its name says", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 8, max: 128 }), (depth, hidden) => {
      const profile = staticProfile(mlp({ depth, width: 32, hidden, classes: 10 }), 8);
      const n = profile.stages.length;
      const plan = sqrt(profile);
      assert.equal(findPlanError(plan, n), undefined);
      const [, every, last] = /^sqrt\(every=(\d+), last=(\d+)\)$/.exec(plan.strategy)!.map(Number);
      assert.ok(every! >= 1 && last! >= 1 && last! <= n, plan.strategy);
      assert.deepEqual(
        forwardsPerStage(plan, n),
        Array.from({ length: n }, (_, i) => (i >= n - last! ? 1 : 2)),
      );
    }),
    { numRuns: 60 },
  );
});

test("on the reference MLP sqrt is checkpoint_sequential's 11 segments: least peak, then fastest", {
  timeout: 30_000,
}, () => {
  const profile = staticProfile(mlp({ depth: 32, width: 256, hidden: 1024, classes: 10, inputs: 256 }), 64);
  const n = profile.stages.length;
  const s = sqrt(profile);
  const mine = s.summary();
  // Before, sqrt counted k = 3 from the end: the same peak at ×1.311.
  const before = planOf(checkpointSchedule(everyKFromEnd(n, sqrtSegment(profile)), n), profile, "k=3")
    .summary();
  const pytorch11 = planOf(checkpointSchedule(pytorchSegments(n, 11), n), profile, "11 segments").summary();
  assert.equal(n, 34);
  assert.equal(s.strategy, "sqrt(every=3, last=4)");
  assert.deepEqual(
    s.instructions,
    planOf(checkpointSchedule(pytorchSegments(n, 11), n), profile, s.strategy).instructions,
  );
  assert.equal(mine.predictedPeakBytes, 1_966_080);
  assert.equal(mine.predictedPeakBytes, before.predictedPeakBytes);
  assert.equal(mine.predictedTime, pytorch11.predictedTime);
  assert.equal(mine.overhead.toFixed(3), "0.301");
  assert.equal(before.overhead.toFixed(3), "0.311");
  assertNeverWorse(profile, oneTo(n), oneTo(n));
  for (let k = 1; k <= n; k++) {
    const u = uniform(profile, { every: k }).summary();
    assert.ok(
      u.predictedPeakBytes > mine.predictedPeakBytes || u.predictedTime >= mine.predictedTime,
      `uniform(every=${k})`,
    );
  }
});

test("on random chains sqrt is never worse in (peak, time) than any uniform or segment-count layout", () => {
  fc.assert(
    fc.property(arbitraryChain(1, 24), fc.integer({ min: 1, max: 4 }), (chain, batch) => {
      const profile = staticProfile(chain, batch);
      const n = profile.stages.length;
      assertNeverWorse(profile, oneTo(n), oneTo(n));
    }),
    { numRuns: 80 },
  );
  for (const layers of [2, 6, 12]) {
    const profile = staticProfile(gpt({ layers, heads: 2, dModel: 16, hidden: 32, seqLen: 8, vocab: 11 }), 4);
    const n = profile.stages.length;
    assertNeverWorse(profile, oneTo(n), oneTo(n));
  }
});

test("on long chains sqrt compares lengths within a factor of 2 of √n, never worse than Chen's k₀", () => {
  const profile = staticProfile(mlp({ depth: 400, width: 16, hidden: 48, classes: 4 }), 4);
  const n = profile.stages.length, k0 = sqrtSegment(profile);
  assert.ok(n > 256);
  const ks = oneTo(2 * k0).filter((k) => k >= Math.ceil(k0 / 2));
  const ss = oneTo(n).filter((s) => ks.includes(Math.floor(n / s)));
  assertNeverWorse(profile, ks, ss);
  const plan = sqrt(profile);
  assert.equal(findPlanError(plan, n), undefined);
  const chen = planOf(checkpointSchedule(everyKFromEnd(n, k0), n), profile, "chen").summary();
  assert.ok(plan.summary().predictedPeakBytes <= chen.predictedPeakBytes);
});

test("sqrt of an empty chain is the loss alone", () => {
  const profile: Profile = {
    chain: "empty",
    batch: 1,
    source: "synthetic",
    stages: [],
    loss: { peak: 8, time: 1 },
  };
  assert.deepEqual(sqrt(profile).instructions, [{ op: "loss" }]);
});
