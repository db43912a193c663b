import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { activationShapes } from "./chain.ts";
import { mlp } from "./models/mlp.ts";
import {
  checkPlanTarget,
  findPlanError,
  formatPlan,
  type Instruction,
  type Plan,
  storeAllPlan,
  validatePlan,
} from "./plan.ts";
import { PlanInvalid, PlanMismatch } from "./errors.ts";

const plan = (stages: number, instructions: Instruction[]): Plan => ({
  strategy: "test",
  stages,
  instructions,
});

test("storeAllPlan is valid for every chain length", () => {
  for (let n = 1; n <= 40; n++) assert.equal(findPlanError(storeAllPlan(n), n), undefined);
});

test("validatePlan names the instruction of a use before compute", () => {
  const p = plan(2, [{ op: "forward", stage: 1, record: true }]);
  const e = findPlanError(p, 2);
  assert.ok(e instanceof PlanInvalid);
  assert.equal(e.index, 0);
  assert.match(e.message, /instruction 0 \(forward 1 record\).*x1 is used before it is computed/);
});

test("validatePlan rejects a double free with its index", () => {
  const p = storeAllPlan(3);
  const bad = plan(3, [...p.instructions.slice(0, 5), { op: "free", value: 3 }, ...p.instructions.slice(5)]);
  const e = findPlanError(bad, 3);
  assert.equal(e?.index, 5);
  assert.match(e!.message, /x3 is freed but not live/);
});

test("validatePlan rejects a backward whose tape is missing", () => {
  const p = plan(1, [{ op: "forward", stage: 0, record: false }, { op: "loss" }, {
    op: "backward",
    stage: 0,
  }]);
  const e = findPlanError(p, 1);
  assert.equal(e?.index, 2);
  assert.match(e!.message, /backward 0 has no tape/);
});

test("validatePlan rejects a chain not fully reversed", () => {
  const p = plan(2, [
    { op: "forward", stage: 0, record: true },
    { op: "forward", stage: 1, record: true },
    { op: "loss" },
    { op: "free", value: 2 },
    { op: "backward", stage: 1 },
    { op: "free", value: 1 },
  ]);
  const e = findPlanError(p, 2);
  assert.equal(e?.index, 6);
  assert.match(e!.message, /not fully reversed: stage 0 has no backward/);
});

test("validatePlan rejects a plan for another chain length and unknown instructions", () => {
  assert.match(findPlanError(storeAllPlan(3), 4)!.message, /plan is for 3 stages but the chain has 4/);
  const bad = plan(1, [{ op: "jump" } as unknown as Instruction]);
  assert.match(
    findPlanError(bad, 1)!.message,
    /unknown instruction.*valid ops: forward, loss, backward, free/,
  );
  assert.throws(() => validatePlan(bad, 1), PlanInvalid);
});

test("validatePlan rejects every random single-instruction corruption of store-all that breaks it", () => {
  const arbInstruction = fc.oneof(
    fc.record({
      op: fc.constant("forward" as const),
      stage: fc.integer({ min: -1, max: 6 }),
      record: fc.boolean(),
    }),
    fc.record({ op: fc.constant("backward" as const), stage: fc.integer({ min: -1, max: 6 }) }),
    fc.record({ op: fc.constant("free" as const), value: fc.integer({ min: -1, max: 7 }) }),
    fc.constant({ op: "loss" as const }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.nat(), arbInstruction, (n, at, ins) => {
      const base = storeAllPlan(n).instructions;
      const i = at % (base.length + 1);
      const corrupted = plan(n, [...base.slice(0, i), ins, ...base.slice(i)]);
      // Inserting any instruction into a complete plan either breaks it or is a redundant forward+free:
      // a lone extra instruction always leaves something unbalanced, so it must be rejected.
      const e = findPlanError(corrupted, n);
      assert.ok(e instanceof PlanInvalid, formatPlan(corrupted));
      assert.ok(e.index >= 0 && e.index <= corrupted.instructions.length);
    }),
  );
});

test("formatPlan lists numbered instructions", () => {
  const text = formatPlan(storeAllPlan(2));
  assert.match(text, /plan storeAll for 2 stages, 7 instructions/);
  assert.match(text, / {3}0 {2}forward 0 record/);
  assert.match(text, / {3}3 {2}free x2/);
});

test("checkPlanTarget accepts the chain and batch a plan was made for and names what differs otherwise", () => {
  const a = mlp({ depth: 2, width: 8, hidden: 16, classes: 2, inputs: 2 });
  const b = mlp({ depth: 2, width: 8, hidden: 16, classes: 3, inputs: 2 });
  const outputBytes = activationShapes(a, 4).slice(1).map((s) => 4 * s.reduce((p, q) => p * q, 1));
  const planned = { ...storeAllPlan(a.stages.length), madeFor: { chain: a.name, batch: 4, outputBytes } };
  checkPlanTarget(planned, a, 4);
  checkPlanTarget(storeAllPlan(a.stages.length), b, 99); // records nothing: runs anywhere
  assert.throws(
    () => checkPlanTarget(planned, b, 4),
    (e) => e instanceof PlanMismatch && /chain differs/.test(e.message),
  );
  assert.throws(
    () => checkPlanTarget(planned, a, 8),
    /at batch 4 cannot run on .* at batch 8: the batch differs/,
  );
  const renamed = {
    ...planned,
    madeFor: { ...planned.madeFor, outputBytes: [...outputBytes.slice(0, -1), 1] },
  };
  assert.throws(() => checkPlanTarget(renamed, a, 4), /x_4 takes 32 bytes, planned 1/);
});
