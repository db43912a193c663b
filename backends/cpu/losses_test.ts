import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bceWithLogitsLoss,
  crossEntropyLoss,
  DTypeMismatch,
  executePlan,
  initParams,
  l1Loss,
  type LossStage,
  mlp,
  mseLoss,
  Recorder,
  releaseParams,
  ShapeMismatch,
  storeAllPlan,
  uploadBatch,
} from "@remat/core";
import { weightedSquaredError, withF32Loss } from "@remat/conformance";
import { regressionTeacher } from "@remat/datasets";
import { CpuBackend } from "./cpu_backend.ts";

const X = [0.5, -1.25, 3, -0.1, 2, 0], Y = [1, 0, 1, 0.25, 0.5, 0];
const bce = (z: number, t: number) => Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const mean = (f: (x: number, y: number) => number) => X.reduce((s, x, i) => s + f(x, Y[i]!), 0) / X.length;

/** The loss of X against Y on [2, 3] tensors, and ∂loss/∂X, on the CPU backend. */
async function lossAndGrad(loss: LossStage): Promise<{ value: number; grad: Float32Array }> {
  const b = new CpuBackend();
  const x = b.upload(Float32Array.from(X), [2, 3], "f32");
  const y = b.upload(Float32Array.from(Y), [2, 3], "f32");
  const ctx = new Recorder(b, { record: true, key: { seed: 0, step: 0, stage: 0 } });
  const { output, tape } = ctx.finish(loss.forward(ctx, x, y), x);
  const one = b.upload(new Float32Array([1]), [1], "f32");
  const { dx } = tape!.backward(b, one, x, []);
  const value = (await b.read(output))[0]!;
  const grad = (await b.read(dx!)) as Float32Array;
  for (const t of [output, one, dx!, x, y]) t.release();
  assert.equal(b.memory.report().activationLive, 0, `${loss.name} leaves nothing live`);
  return { value, grad };
}

const cases: Array<[LossStage, number, (x: number, y: number) => number]> = [
  [mseLoss, mean((x, y) => (x - y) ** 2), (x, y) => (2 * (x - y)) / X.length],
  [l1Loss, mean((x, y) => Math.abs(x - y)), (x, y) => Math.sign(x - y) / X.length],
  [bceWithLogitsLoss, mean(bce), (x, y) => (sigmoid(x) - y) / X.length],
];
for (const [loss, want, dWant] of cases) {
  test(`${loss.name}: the value and ∂loss/∂x of its formula, as a scalar [1]`, async () => {
    const { value, grad } = await lossAndGrad(loss);
    assert.ok(Math.abs(value - want) < 1e-6 * Math.max(1, want), `${loss.name} ${value}, expected ${want}`);
    grad.forEach((g, i) => assert.ok(Math.abs(g - dWant(X[i]!, Y[i]!)) < 1e-6, `∂x[${i}] ${g}`));
  });
}

test("a user's loss with a constant: the value of its formula, and the constant released every step", async () => {
  const { value } = await lossAndGrad(weightedSquaredError);
  const want = X.reduce((s, x, i) => s + (1 + (i % 3)) * (x - Y[i]!) ** 2, 0) / X.length;
  assert.ok(Math.abs(value - want) < 1e-5, `${value}, expected ${want}`);
  const b = new CpuBackend();
  const chain = withF32Loss(
    mlp({ depth: 1, width: 4, hidden: 8, classes: 2, inputs: 8 }),
    weightedSquaredError,
  );
  const params = initParams(chain, b, 0);
  const data = regressionTeacher({ inputs: 8, outputs: 2 });
  const live: number[] = [];
  for (let s = 0; s < 3; s++) {
    const batch = uploadBatch(data, { backend: b, chain, step: s, size: 4 });
    const out = executePlan(storeAllPlan(chain.stages.length), { backend: b, chain, params, batch });
    for (const t of [out.loss, ...out.grads.flat(), batch.x, batch.y]) t.release();
    live.push(b.memory.report().activationLive);
  }
  assert.deepEqual(live, [0, 0, 0]);
  releaseParams(params);
});

test("losses on f32 targets reject i32 targets and mismatched shapes, naming both", () => {
  const b = new CpuBackend();
  const ctx = new Recorder(b, { record: false, key: { seed: 0, step: 0, stage: 0 } });
  const x = b.alloc([4, 2], "f32");
  for (const loss of [mseLoss, l1Loss, bceWithLogitsLoss]) {
    assert.throws(
      () => loss.forward(ctx, x, b.alloc([4, 2], "i32")),
      (e) => e instanceof DTypeMismatch && /input targets is i32 \[4, 2\]; expected f32/.test(e.message),
    );
    assert.throws(
      () => loss.forward(ctx, x, b.alloc([4, 1], "f32")),
      (e) => e instanceof ShapeMismatch && /got \[4, 2\] and \[4, 1\]/.test(e.message),
    );
  }
  assert.throws(() => crossEntropyLoss.forward(ctx, x, b.alloc([3], "i32")), ShapeMismatch);
});

test("uploadBatch refuses float targets for a classifier and class ids for a regression, never converting", () => {
  const b = new CpuBackend();
  const classifier = mlp({ depth: 1, width: 4, hidden: 8, classes: 2, inputs: 2 });
  const floats = {
    name: "floats",
    batch: () => ({ x: new Float32Array(8), y: new Float32Array([0.7, 1.2, 0, 1]) }),
  };
  assert.throws(
    () => uploadBatch(floats, { backend: b, chain: classifier, size: 4 }),
    /uploadBatch: input floats targets is f32 \(Float32Array\) \[4\]; expected i32 \(Int32Array\), as the chain declares/,
  );
  const regression = withF32Loss(classifier, mseLoss);
  const ids = { name: "ids", batch: () => ({ x: new Float32Array(8), y: new Int32Array(8) }) };
  assert.throws(
    () => uploadBatch(ids, { backend: b, chain: regression, size: 4 }),
    /ids targets is i32 \(Int32Array\) \[8\]; expected f32/,
  );
  assert.equal(b.memory.report().live.io, 0, "nothing left uploaded after the refusal");
});
