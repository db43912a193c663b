import assert from "node:assert/strict";
import { test } from "node:test";
import { mlp, type Plan, predictPlan, staticProfile, storeAllPlan, tracePlan } from "@remat/core";
import { revolve, sqrt, uniform } from "./mod.ts";

const profile = staticProfile(mlp({ depth: 8, width: 32, hidden: 64, classes: 10 }), 16);
const plans: ReadonlyArray<Plan> = [
  storeAllPlan(profile.stages.length),
  sqrt(profile),
  revolve(profile, { slots: 3 }),
  uniform(profile, { every: 3 }),
];

for (const plan of plans) {
  test(`tracePlan agrees with predictPlan on ${plan.strategy}: max peak = peakBytes, last end = time`, () => {
    const { steps } = tracePlan(profile, plan);
    const prediction = predictPlan(profile, plan);
    assert.equal(steps.length, plan.instructions.length);
    assert.equal(Math.max(...steps.map((s) => s.peakBytes)), prediction.peakBytes);
    assert.equal(steps.at(-1)!.end, prediction.time);
  });
}

test("tracePlan steps are contiguous in time and each peak covers the live bytes around it", () => {
  for (const plan of plans) {
    const { steps } = tracePlan(profile, plan);
    let time = 0, live = 0;
    steps.forEach((s, i) => {
      const ins = plan.instructions[i]!;
      assert.equal(s.start, time, `${plan.strategy} step ${i}`);
      assert.ok(s.end >= s.start);
      if (ins.op === "free") assert.equal(s.end, s.start);
      assert.ok(s.peakBytes >= Math.max(live, s.liveBytes), `${plan.strategy} step ${i}`);
      time = s.end;
      live = s.liveBytes;
    });
    assert.equal(live, 0, `${plan.strategy} ends with no activations live`);
  }
});

test("tracePlan rejects a plan for another stage count, as predictPlan does", () => {
  const plan = storeAllPlan(profile.stages.length + 1);
  assert.throws(() => tracePlan(profile, plan), /stages/);
  assert.throws(() => predictPlan(profile, plan), /stages/);
});
