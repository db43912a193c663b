import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgument } from "./errors.ts";
import { gpt } from "./models/gpt.ts";
import { mlp } from "./models/mlp.ts";
import { findPlanError, type Plan, storeAllPlan } from "./plan.ts";
import { predictPlan, tracePlan } from "./predict.ts";
import { type Profile, type StageProfile, staticProfile } from "./profile.ts";

/** Three stages keeping only x_0: stage k runs forward 3 − k times, two of them recomputations. */
const RECOMPUTE_3: Plan = {
  strategy: "recompute-3",
  stages: 3,
  instructions: [
    { op: "forward", stage: 0, record: false },
    { op: "forward", stage: 1, record: false },
    { op: "free", value: 1 },
    { op: "forward", stage: 2, record: true },
    { op: "loss" },
    { op: "free", value: 3 },
    { op: "backward", stage: 2 },
    { op: "free", value: 2 },
    { op: "forward", stage: 0, record: false },
    { op: "forward", stage: 1, record: true },
    { op: "free", value: 2 },
    { op: "backward", stage: 1 },
    { op: "free", value: 1 },
    { op: "forward", stage: 0, record: true },
    { op: "free", value: 1 },
    { op: "backward", stage: 0 },
  ],
};

const profiles: ReadonlyArray<Profile> = [
  staticProfile(mlp({ depth: 1, width: 8, hidden: 16, classes: 4, inputs: 2 }), 16), // 3 stages
  staticProfile(gpt({ layers: 1, dModel: 8, heads: 2, seqLen: 4, vocab: 10 }), 2), // 3 stages
];

test("the hand-made plan of these tests is valid for the profiles' three stages", () => {
  assert.equal(findPlanError(RECOMPUTE_3, 3), undefined);
  for (const p of profiles) assert.equal(p.stages.length, 3, p.chain);
});

test("predictPlan counts forwards per stage and the untaped ones", () => {
  for (const p of profiles) {
    const all = predictPlan(p, storeAllPlan(3));
    assert.deepEqual(all.forwards, [1, 1, 1]);
    assert.equal(all.untapedForwards, 0);
    const re = predictPlan(p, RECOMPUTE_3);
    assert.deepEqual(re.forwards, [3, 2, 1]);
    assert.equal(re.untapedForwards, 3);
  }
});

test("predictPlan's time is the sum of the instructions' profile times", () => {
  for (const p of profiles) {
    const [s0, s1, s2] = p.stages as [StageProfile, StageProfile, StageProfile];
    const reverse = s0.backwardTime + s1.backwardTime + s2.backwardTime + p.loss.time;
    const all = predictPlan(p, storeAllPlan(3));
    assert.ok(Math.abs(all.time - (s0.forwardTime + s1.forwardTime + s2.forwardTime + reverse)) < 1e-9);
    const re = predictPlan(p, RECOMPUTE_3);
    assert.ok(
      Math.abs(re.time - (3 * s0.forwardTime + 2 * s1.forwardTime + s2.forwardTime + reverse)) < 1e-9,
    );
  }
});

test("store-all's peak holds every output and tape at once; recomputing never raises it", () => {
  for (const p of profiles) {
    const all = predictPlan(p, storeAllPlan(3));
    const stored = p.stages.reduce((b, s) => b + s.outputBytes + s.tapeBytes, 0);
    assert.ok(all.peakBytes >= stored, `${p.chain}: at least every output and tape`);
    assert.ok(predictPlan(p, RECOMPUTE_3).peakBytes <= all.peakBytes, p.chain);
  }
});

test("tracePlan has one step per instruction, agrees with predictPlan, and ends with nothing live", () => {
  for (const p of profiles) {
    for (const plan of [storeAllPlan(3), RECOMPUTE_3]) {
      const { steps } = tracePlan(p, plan);
      const prediction = predictPlan(p, plan);
      assert.equal(steps.length, plan.instructions.length);
      assert.equal(Math.max(...steps.map((s) => s.peakBytes)), prediction.peakBytes);
      assert.equal(steps.at(-1)!.end, prediction.time);
      assert.equal(steps.at(-1)!.liveBytes, 0, "a complete plan leaves nothing live");
      steps.forEach((s, i) => {
        const ins = plan.instructions[i]!;
        assert.ok(s.end >= s.start, `step ${i}: ends after it starts`);
        if (i > 0) assert.equal(s.start, steps[i - 1]!.end, `step ${i} starts where ${i - 1} ended`);
        if (ins.op === "free") assert.equal(s.end, s.start, `free takes no time`);
        assert.ok(s.peakBytes >= s.liveBytes, `step ${i}: its peak covers what it leaves live`);
      });
    }
  }
});

test("predictPlan refuses a plan for another number of stages, naming both counts", () => {
  const p = profiles[0]!;
  assert.throws(
    () => predictPlan(p, storeAllPlan(4)),
    (e: unknown) =>
      e instanceof InvalidArgument && /plan\.stages/.test(e.message) && /\b4\b/.test(e.message) &&
      /3, the profile's stage count/.test(e.message),
  );
  assert.throws(() => tracePlan(p, storeAllPlan(2)), InvalidArgument);
});
