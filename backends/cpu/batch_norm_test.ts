import assert from "node:assert/strict";
import { test } from "node:test";
import {
  adamw,
  type Chain,
  crossEntropyLoss,
  initParams,
  OptimizerState,
  predict,
  readParams,
  Recorder,
  releaseParams,
  sgd,
  type Stage,
  type Tensor,
} from "@remat/core";
import { CpuBackend } from "./cpu_backend.ts";

/** One stage: batch norm over 3 features, then the loss. */
const bnStage: Stage = {
  name: "bn",
  kind: "batch-norm",
  params: [
    { name: "gamma", shape: [3], init: { kind: "ones" } },
    { name: "beta", shape: [3], init: { kind: "zeros" } },
    { name: "runningMean", shape: [3], init: { kind: "zeros" }, state: true },
    { name: "runningVar", shape: [3], init: { kind: "ones" }, state: true },
  ],
  output: (shape) => ({ shape, dtype: "f32" }),
  forward: (ctx, x, [g, b, m, v]) => ctx.batchNorm(x, [g!, b!, m!, v!]),
};
const chain: Chain = {
  name: "bn",
  stages: [bnStage],
  loss: crossEntropyLoss,
  input: { shape: [3], dtype: "f32" },
  target: { shape: [], dtype: "i32" },
  config: {},
};

test("running statistics are model state: counted as such, given no optimizer slots, never stepped", async () => {
  const b = new CpuBackend();
  const params = initParams(chain, b, 0);
  assert.deepEqual(params[0]!.map((p) => p.storage.kind), ["parameter", "parameter", "state", "state"]);
  assert.equal(b.memory.report().live.state, 24);
  for (
    const spec of [sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.5 }), adamw({ lr: 0.1, weightDecay: 0.5 })]
  ) {
    const opt = new OptimizerState(spec, b, params);
    assert.equal(
      b.memory.report().live.optimizer,
      (spec.kind === "sgd" ? 1 : 2) * 2 * 12,
      "slots for γ and β only",
    );
    const grads = [
      params[0]!.map((p) => b.upload(new Float32Array(3).fill(1), p.shape, "f32", "parameterGradient")),
    ];
    opt.step(params, grads);
    const [[gamma, , mean, variance]] = await readParams(b, params);
    assert.notDeepEqual([...gamma!], [1, 1, 1], "γ was stepped");
    assert.deepEqual([...mean!, ...variance!], [0, 0, 0, 1, 1, 1], "the running statistics were not");
    for (const g of grads[0]!) g.release();
    opt.release();
  }
  releaseParams(params);
});

test("in evaluation batch norm normalises with the running statistics, in training with the batch's", async () => {
  const b = new CpuBackend();
  const params = initParams(chain, b, 0);
  const batchMean = b.upload(new Float32Array([1, 2, 3]), [3], "f32");
  const batchRstd = b.upload(new Float32Array([0.5, 0.5, 0.5]), [3], "f32");
  b.kernels.batchNormUpdate(params[0]![2]!, params[0]![3]!, batchMean, batchRstd, {
    eps: 0,
    momentum: 1,
    count: 2,
  });
  batchMean.release();
  batchRstd.release();
  const [[, , mean, variance]] = await readParams(b, params);
  assert.deepEqual([...mean!], [1, 2, 3]);
  assert.deepEqual([...variance!], [8, 8, 8], "1/rstd² = 4, times count/(count − 1) = 2");
  const xs = [2, 2, 3, 0, 6, 3];
  const x = b.upload(Float32Array.from(xs), [2, 3], "f32", "io");
  const y = predict(x, { backend: b, chain, params });
  const want = xs.map((v, i) => (v - [1, 2, 3][i % 3]!) / Math.sqrt(8 + 1e-5));
  (await b.read(y)).forEach((v, i) =>
    assert.ok(Math.abs(v - want[i]!) < 1e-6, `y[${i}] = ${v}, want ${want[i]}`)
  );
  y.release();
  // a training forward normalises with the batch's own statistics and leaves nothing behind
  const ctx = new Recorder(b, { record: false, key: { seed: 0, step: 0, stage: 0 } });
  const { output } = ctx.finish(ctx.batchNorm(x, params[0] as [Tensor, Tensor, Tensor, Tensor]), x);
  const mu = [1, 4, 3], sd = [1, 4, 0].map((variance) => Math.sqrt(variance + 1e-5)); // biased, per channel
  (await b.read(output)).forEach((v, i) =>
    assert.ok(Math.abs(v - (xs[i]! - mu[i % 3]!) / sd[i % 3]!) < 1e-5, `training y[${i}] = ${v}`)
  );
  output.release();
  x.release();
  releaseParams(params);
  assert.equal(b.memory.report().activationLive, 0);
});
