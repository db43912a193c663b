import assert from "node:assert/strict";
import { test } from "node:test";
import { mlp } from "./models/mlp.ts";
import { formatInstruction, formatPlan, type Plan, storeAllPlan } from "./plan.ts";
import { summarizePlan } from "./plan_summary.ts";
import { predictPlan } from "./predict.ts";
import { staticProfile } from "./profile.ts";

const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 3, inputs: 2 }); // 4 stages
const profile = staticProfile(chain, 8);

/** Four stages; x_2 dropped after the first sweep and recomputed once from x_1. */
const RECOMPUTE_X2: Plan = {
  strategy: "recompute-x2",
  stages: 4,
  instructions: [
    { op: "forward", stage: 0, record: true },
    { op: "forward", stage: 1, record: false },
    { op: "forward", stage: 2, record: false },
    { op: "free", value: 2 },
    { op: "forward", stage: 3, record: true },
    { op: "loss" },
    { op: "free", value: 4 },
    { op: "backward", stage: 3 },
    { op: "free", value: 3 },
    { op: "forward", stage: 1, record: true },
    { op: "forward", stage: 2, record: true },
    { op: "free", value: 3 },
    { op: "backward", stage: 2 },
    { op: "free", value: 2 },
    { op: "backward", stage: 1 },
    { op: "free", value: 1 },
    { op: "backward", stage: 0 },
  ],
};

test("summarizePlan of store-all: no overhead, one forward per stage, none untaped", () => {
  const plan = storeAllPlan(4);
  const s = summarizePlan(plan, profile);
  assert.equal(s.strategy, "storeAll");
  assert.equal(s.stages, 4);
  assert.deepEqual(s.forwardsPerStage, [1, 1, 1, 1]);
  assert.equal(s.untapedForwards, 0);
  // the same times summed in another order: equal up to rounding
  assert.ok(Math.abs(s.predictedTime - s.baselineTime) <= 1e-12 * s.baselineTime);
  assert.ok(Math.abs(s.overhead) < 1e-12);
  assert.equal(s.predictedPeakBytes, predictPlan(profile, plan).peakBytes);
  assert.equal(s.listing, formatPlan(plan));
});

test("summarizePlan of a plan that recomputes: the overhead is the recomputed forwards' time over the baseline", () => {
  const s = summarizePlan(RECOMPUTE_X2, profile);
  const p = predictPlan(profile, RECOMPUTE_X2);
  assert.deepEqual(s.forwardsPerStage, [1, 2, 2, 1]);
  assert.equal(s.untapedForwards, 2);
  const baseline = profile.stages.reduce((t, st) => t + st.forwardTime + st.backwardTime, 0) +
    profile.loss.time;
  assert.ok(Math.abs(s.baselineTime - baseline) <= 1e-12 * baseline);
  const extra = profile.stages[1]!.forwardTime + profile.stages[2]!.forwardTime;
  assert.ok(Math.abs(s.predictedTime - (s.baselineTime + extra)) < 1e-9);
  assert.ok(Math.abs(s.overhead - extra / s.baselineTime) < 1e-12);
  assert.ok(s.overhead > 0);
  assert.equal(s.predictedPeakBytes, p.peakBytes);
  assert.ok(s.predictedPeakBytes <= summarizePlan(storeAllPlan(4), profile).predictedPeakBytes);
});

test("summarizePlan's listing is computed when read: a header, then one numbered line per instruction", () => {
  const s = summarizePlan(RECOMPUTE_X2, profile);
  assert.ok(Object.getOwnPropertyDescriptor(s, "listing")?.get, "a getter, not a stored string");
  const lines = s.listing.split("\n");
  assert.equal(lines[0], "plan recompute-x2 for 4 stages, 17 instructions");
  assert.equal(lines.length, RECOMPUTE_X2.instructions.length + 1);
  RECOMPUTE_X2.instructions.forEach((ins, i) =>
    assert.equal(lines[i + 1], `${String(i).padStart(4)}  ${formatInstruction(ins)}`)
  );
});
