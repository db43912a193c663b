import assert from "node:assert/strict";
import { test } from "node:test";
import type { Chain, Stage } from "./chain.ts";
import { PlanMismatch } from "./errors.ts";
import { executePlan } from "./execute.ts";
import { MetaBackend } from "./meta_backend.ts";
import { mlp } from "./models/mlp.ts";
import { initParams, releaseParams } from "./params.ts";
import { storeAllPlan } from "./plan.ts";
import { Step } from "./step.ts";

const chain = mlp({ depth: 3, width: 4, hidden: 8, classes: 3, inputs: 2 });

function setup() {
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 0);
  const x = backend.upload(new Float32Array(8), [4, 2], "f32", "io");
  const y = backend.upload(new Int32Array(4), [4], "i32", "io");
  return { backend, params, x, y };
}

const liveActivationSide = (b: MetaBackend) => b.memory.report().activationLive;

test("Step driven by hand measures what executePlan measures, and hands over the loss and gradients", () => {
  const { backend, params, x, y } = setup();
  const n = chain.stages.length;
  const step = new Step({ backend, chain, params }).input(0, x);
  for (let i = 0; i < n; i++) step.forward(i, { record: true });
  step.loss(y);
  step.free(n);
  for (let i = n - 1; i >= 0; i--) {
    step.backward(i);
    if (i > 0) step.free(i);
  }
  const { loss, grads } = step.take();
  const peak = step.peakBytes;
  assert.deepEqual(step.forwards, new Array(n).fill(1));
  step.dispose();
  assert.equal(liveActivationSide(backend), 0);
  assert.equal(loss.storage.kind, "io");
  assert.ok(grads.every((row, i) => row.length === chain.stages[i]!.params.length));
  assert.ok(grads.flat().every((g) => g.storage.kind === "parameterGradient"));
  loss.release();
  for (const g of grads.flat()) g.release();

  const out = executePlan(storeAllPlan(n), { backend, chain, params, batch: { x, y } });
  assert.equal(out.peakBytes, peak);
  out.loss.release();
  for (const g of out.grads.flat()) g.release();
  releaseParams(params);
  assert.deepEqual(Object.values(backend.memory.report().live).filter((v) => v !== 0).length, 1); // x and y (io)
});

test("a stage that throws part-way leaves nothing live once the step is disposed, and the default kind unchanged", () => {
  const { backend, params, x } = setup();
  const failing: Stage = {
    ...chain.stages[1]!,
    forward(ctx, input, p) {
      chain.stages[1]!.forward(ctx, input, p);
      throw new Error("stage failed");
    },
  };
  const broken: Chain = { ...chain, stages: chain.stages.map((s, i) => (i === 1 ? failing : s)) };
  const step = new Step({ backend, chain: broken, params }).input(0, x);
  step.forward(0, { record: true });
  assert.throws(() => step.forward(1, { record: true }), /stage failed/);
  assert.equal(backend.memory.defaultKind, "temporary");
  step.dispose();
  step.dispose(); // idempotent
  assert.equal(liveActivationSide(backend), 0);
});

test("Step names a slot it does not hold, an index out of range, and a take before the loss", () => {
  const { backend, params, x } = setup();
  const step = new Step({ backend, chain, params }).input(0, x);
  assert.throws(() => step.forward(1, { record: false }), /x_1 is not held by this step/);
  assert.throws(() => step.backward(0), /tape_0 is not held by this step/);
  assert.throws(() => step.input(9, x), /x_9 is out of range 0\.\.5/);
  assert.throws(() => step.take(), /take\(\) before the loss ran/);
  step.dispose();
});

test("executePlan refuses a plan made for another batch, before allocating anything", () => {
  const { backend, params, x, y } = setup();
  const plan = {
    ...storeAllPlan(chain.stages.length),
    madeFor: { chain: chain.name, batch: 128, outputBytes: [] },
  };
  const before = backend.memory.report();
  assert.throws(
    () => executePlan(plan, { backend, chain, params, batch: { x, y } }),
    (e: unknown) => {
      assert.ok(e instanceof PlanMismatch);
      assert.deepEqual([e.planned.batch, e.given.batch], [128, 4]);
      assert.match(
        e.message,
        /plan made for mlp.* at batch 128 cannot run on mlp.* at batch 4: the batch differs/,
      );
      return true;
    },
  );
  assert.deepEqual(backend.memory.report(), before);
});
