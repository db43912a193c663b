import assert from "node:assert/strict";
import { test } from "node:test";
import { Effect } from "effect";
import {
  adamw,
  type Dataset,
  evaluate,
  initParams,
  mlp,
  predict,
  releaseParams,
  sequential,
  Step,
  train,
  withBackend,
} from "@remat/core";
import { spirals } from "@remat/datasets";
import { CpuBackend } from "./cpu_backend.ts";

const live = (b: CpuBackend) => {
  const r = b.memory.report();
  return { live: r.live, activationLive: r.activationLive };
};

/** Mean cross-entropy of logit rows against labels, on the host in f64. */
function crossEntropy(logits: number[][], labels: number[]): number {
  let total = 0;
  logits.forEach((row, r) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    total += lse - row[labels[r]!]!;
  });
  return total / logits.length;
}

test("predict and evaluate on a linear head whose logits are known by hand", async () => {
  // one stage: logits = x·W + b with W = [[1, 0, -1], [0, 1, 1]], b = [0, 0, 0.5]
  const chain = sequential({ inputs: 2, layers: [], classes: 3 });
  const backend = new CpuBackend();
  const w = backend.upload(new Float32Array([1, 0, -1, 0, 1, 1]), [2, 3], "f32", "parameter");
  const b = backend.upload(new Float32Array([0, 0, 0.5]), [3], "f32", "parameter");
  const params = [[w, b]];
  const xs = [2, 0, 0, 2, 1, 1, -1, 0];
  const logits = [[2, 0, -1.5], [0, 2, 2.5], [1, 1, 0.5], [-1, 0, 1.5]]; // argmax 0, 2, 0 (tie: first), 2
  const labels = [[0, 1, 0, 2], [1, 1, 1, 1]]; // hits: 3 of 4, then 0 of 4
  const data: Dataset = {
    name: "by-hand",
    batch: (step) => ({ x: new Float32Array(xs), y: new Int32Array(labels[step - 10]!) }),
  };
  const start = live(backend);

  const x = backend.upload(new Float32Array(xs), [4, 2], "f32", "io");
  const out = predict(x, { backend, chain, params });
  assert.deepEqual(out.shape, [4, 3]);
  assert.deepEqual([...(await backend.read(out))], logits.flat());
  out.release();
  x.release();
  assert.deepEqual(live(backend), start);

  const r = await evaluate(data, { backend, chain, params, batch: 4, batches: 2, firstStep: 10 });
  assert.equal(r.accuracy, 3 / 8);
  assert.equal(r.examples, 8);
  const expected = (crossEntropy(logits, labels[0]!) + crossEntropy(logits, labels[1]!)) / 2;
  assert.ok(Math.abs(r.loss - expected) < 1e-5, `${r.loss} vs ${expected}`);
  assert.deepEqual(live(backend), start);
  releaseParams(params);
});

test("predict runs with dropout off: the output is the dropout-free chain's, whatever the key", async () => {
  const layers = (p: number) =>
    sequential({
      inputs: 3,
      layers: [{ kind: "linear", out: 16 }, { kind: "gelu-dropout", p }, {
        kind: "residual",
        hidden: 32,
        dropout: p,
      }],
      classes: 4,
    });
  const dropping = layers(0.5), plain = layers(0);
  const backend = new CpuBackend();
  const params = initParams(dropping, backend, 1); // same shapes, so the same values for `plain`
  const host = Float32Array.from({ length: 6 * 3 }, (_, i) => Math.sin(i + 1));
  const x = backend.upload(host, [6, 3], "f32", "io");
  const run = async (chain: typeof plain, key?: { seed: number; step: number }) => {
    const out = predict(x, { backend, chain, params, key });
    const v = await backend.read(out);
    out.release();
    return [...v];
  };
  const reference = await run(plain);
  assert.deepEqual(await run(dropping), reference);
  assert.deepEqual(await run(dropping, { seed: 7, step: 3 }), reference);

  // a training forward of the same chain does drop: the test above would see it
  const step = new Step({ backend, chain: dropping, params, key: { seed: 7, step: 3 } }).input(0, x);
  for (let i = 0; i < dropping.stages.length; i++) step.forward(i, { record: true });
  const trained = step.forward(dropping.stages.length - 1, { record: false });
  assert.notDeepEqual([...(await backend.read(trained))], reference);
  step.dispose();
  x.release();
  releaseParams(params);
  assert.equal(backend.memory.activationLive, 0);
});

test("an mlp trained on spirals for 200 steps beats chance on held-out batches", async () => {
  const backend = new CpuBackend();
  const chain = mlp({ depth: 2, width: 32, hidden: 64, classes: 2, inputs: 2 });
  const data = spirals({ classes: 2 });
  const held = { batch: 128, batches: 4, firstStep: 1_000_000 }; // steps training never reaches
  const initial = initParams(chain, backend, 0);
  const before = await evaluate(data, { backend, chain, params: initial, ...held });
  releaseParams(initial);
  const result = await Effect.runPromise(
    train(chain, data, { steps: 200, batch: 64, optimizer: adamw({ lr: 1e-2 }) }).pipe(
      Effect.provide(withBackend(backend)),
    ),
  );
  const start = live(backend);
  const after = await evaluate(data, { backend, chain, params: result.params, ...held });
  assert.deepEqual(live(backend), start);
  assert.equal(after.examples, 512);
  assert.ok(
    after.accuracy !== null && after.accuracy > 0.8,
    `accuracy ${after.accuracy} (before ${before.accuracy})`,
  );
  assert.ok(after.loss < before.loss, `loss ${after.loss} < ${before.loss}`);
  releaseParams(result.params);
});
