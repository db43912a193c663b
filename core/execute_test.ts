import assert from "node:assert/strict";
import { test } from "node:test";
import type { Chain } from "./chain.ts";
import { PlanInvalid } from "./errors.ts";
import { executePlan } from "./execute.ts";
import { MetaBackend } from "./meta_backend.ts";
import { gpt } from "./models/gpt.ts";
import { mlp } from "./models/mlp.ts";
import { sequential } from "./models/sequential.ts";
import { initParams, releaseParams } from "./params.ts";
import { findPlanError, type Instruction, type Plan, storeAllPlan } from "./plan.ts";
import { predictPlan } from "./predict.ts";
import { staticProfile } from "./profile.ts";

/**
 * The plan that keeps only x_0: before reversing stage i it recomputes x_1..x_i from x_0
 * without tapes (freeing each as it goes), so stage k runs forward n − k times.
 */
function recomputeAll(n: number): Plan {
  const ins: Instruction[] = [];
  for (let i = n - 1; i >= 0; i--) {
    for (let k = 0; k < i; k++) {
      ins.push({ op: "forward", stage: k, record: false });
      if (k > 0) ins.push({ op: "free", value: k });
    }
    ins.push({ op: "forward", stage: i, record: true });
    if (i === n - 1) ins.push({ op: "loss" });
    ins.push({ op: "free", value: i + 1 });
    ins.push({ op: "backward", stage: i });
    if (i > 0) ins.push({ op: "free", value: i });
  }
  return { strategy: "recomputeAll", stages: n, instructions: ins };
}

/** Every second x_k (k even) kept from an untaped sweep; each odd segment recomputed once. */
function everyOther(n: number): Plan {
  const ins: Instruction[] = [];
  for (let k = 0; k < n - 1; k++) {
    ins.push({ op: "forward", stage: k, record: false });
    if (k % 2 === 0 && k > 0) continue;
    if (k > 0) ins.push({ op: "free", value: k });
  }
  // x_{n-1} is live (and every even x_k); reverse, recomputing the odd x_k from x_{k-1}.
  ins.push({ op: "forward", stage: n - 1, record: true }, { op: "loss" }, { op: "free", value: n });
  for (let i = n - 1; i >= 0; i--) {
    if (i < n - 1) {
      if (i > 0 && i % 2 === 1) ins.push({ op: "forward", stage: i - 1, record: false });
      ins.push({ op: "forward", stage: i, record: true }, { op: "free", value: i + 1 });
    }
    ins.push({ op: "backward", stage: i });
    if (i > 0) ins.push({ op: "free", value: i });
  }
  return { strategy: "everyOther", stages: n, instructions: ins };
}

const BATCH = 4;

const chains: ReadonlyArray<Chain> = [
  mlp({ depth: 4, width: 6, hidden: 12, classes: 3, inputs: 2 }),
  mlp({ depth: 3, width: 5, hidden: 7, classes: 2, inputs: 3, dropout: 0.25 }),
  gpt({ layers: 2, dModel: 8, heads: 2, seqLen: 4, vocab: 9, dropout: 0.1 }),
  sequential({
    inputs: 3,
    layers: [{ kind: "linear", out: 8 }, { kind: "layernorm" }, { kind: "gelu-dropout", p: 0.5 }, {
      kind: "tanh",
      out: 5,
    }],
    classes: 2,
  }),
];

/** Runs `plan` once on a fresh meta backend; what it measured and what was left live after. */
function runOnMeta(chain: Chain, plan: Plan) {
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 1);
  const per = (shape: ReadonlyArray<number>) => shape.reduce((a, b) => a * b, BATCH);
  const x = chain.input.dtype === "i32"
    ? backend.upload(new Int32Array(per(chain.input.shape)), [BATCH, ...chain.input.shape], "i32", "io")
    : backend.upload(new Float32Array(per(chain.input.shape)), [BATCH, ...chain.input.shape], "f32", "io");
  const y = backend.upload(
    new Int32Array(per(chain.target.shape)),
    [BATCH, ...chain.target.shape],
    "i32",
    "io",
  );
  const before = backend.memory.report();
  const out = executePlan(plan, { backend, chain, params, batch: { x, y }, key: { seed: 3, step: 2 } });
  const during = backend.memory.report();
  out.loss.release();
  for (const g of out.grads.flat()) g.release();
  const after = backend.memory.report();
  x.release();
  y.release();
  releaseParams(params);
  return { out, before, during, after, end: backend.memory.report() };
}

test("executePlan on the meta backend: forwards per stage and peak equal predictPlan's, with and without recomputation", () => {
  for (const chain of chains) {
    const n = chain.stages.length;
    const profile = staticProfile(chain, BATCH);
    for (const plan of [storeAllPlan(n), recomputeAll(n), everyOther(n)]) {
      const what = `${plan.strategy} on ${chain.name}`;
      assert.equal(findPlanError(plan, n), undefined, what);
      const predicted = predictPlan(profile, plan);
      const { out } = runOnMeta(chain, plan);
      assert.deepEqual(out.forwards, predicted.forwards, `${what}: forwards`);
      assert.equal(out.peakBytes, predicted.peakBytes, `${what}: peak`);
    }
    assert.deepEqual(runOnMeta(chain, recomputeAll(n)).out.forwards, chain.stages.map((_, k) => n - k));
    assert.ok(
      runOnMeta(chain, recomputeAll(n)).out.peakBytes <= runOnMeta(chain, storeAllPlan(n)).out.peakBytes,
      `${chain.name}: recomputing everything never needs more than storing everything`,
    );
  }
});

test("executePlan hands over only the loss and the parameter gradients, and every activation is released", () => {
  for (const chain of chains) {
    const n = chain.stages.length;
    for (const plan of [storeAllPlan(n), recomputeAll(n)]) {
      const { out, before, during, after, end } = runOnMeta(chain, plan);
      const what = `${plan.strategy} on ${chain.name}`;
      assert.deepEqual(out.loss.shape, [1], what);
      assert.equal(out.loss.storage.kind, "io", what);
      assert.deepEqual(
        out.grads.map((row) => row.map((g) => g.shape)),
        chain.stages.map((s) => s.params.map((p) => p.shape)),
        `${what}: one gradient per parameter, of its shape`,
      );
      assert.equal(during.activationLive, 0, `${what}: no activation, tape or gradient outlives the step`);
      assert.equal(
        during.live.parameterGradient,
        during.live.parameter,
        `${what}: gradients as big as parameters`,
      );
      assert.equal(during.live.io, before.live.io + 4, `${what}: the loss is the one new io buffer`);
      assert.deepEqual(after.live, before.live, `${what}: releasing the outcome restores the memory`);
      assert.ok(Object.values(end.live).every((b) => b === 0), what);
    }
  }
});

test("executePlan refuses an invalid plan before allocating anything", () => {
  const chain = chains[0]!;
  const n = chain.stages.length;
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 0);
  const x = backend.upload(new Float32Array(BATCH * 2), [BATCH, 2], "f32", "io");
  const y = backend.upload(new Int32Array(BATCH), [BATCH], "i32", "io");
  const before = backend.memory.report();
  const good = storeAllPlan(n).instructions;
  const bad: Plan = { strategy: "bad", stages: n, instructions: good.filter((i) => i.op !== "loss") };
  assert.throws(() => executePlan(bad, { backend, chain, params, batch: { x, y } }), PlanInvalid);
  const short: Plan = { ...storeAllPlan(n - 1) };
  assert.throws(() => executePlan(short, { backend, chain, params, batch: { x, y } }), PlanInvalid);
  assert.deepEqual(backend.memory.report(), before);
  x.release();
  y.release();
  releaseParams(params);
});
