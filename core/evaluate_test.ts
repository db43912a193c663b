import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backend } from "./backend.ts";
import { activationShapes, type Chain, type LossStage, type Stage } from "./chain.ts";
import type { Dataset, HostBatch } from "./data.ts";
import { InvalidArgument } from "./errors.ts";
import { evaluate, predict } from "./evaluate.ts";
import type { MemoryReport } from "./memory.ts";
import { MetaBackend } from "./meta_backend.ts";
import { gpt } from "./models/gpt.ts";
import { mlp } from "./models/mlp.ts";
import { sequential } from "./models/sequential.ts";
import { initParams, releaseParams } from "./params.ts";
import { staticProfile } from "./profile.ts";
import { bytesOf } from "./tensor.ts";

const chain = mlp({ depth: 6, width: 16, hidden: 64, classes: 3, inputs: 2 });

/** Live bytes per kind and the activation-side total (the peak is left out: it moves). */
const live = (b: Backend) => {
  const r: MemoryReport = b.memory.report();
  return { live: r.live, activationLive: r.activationLive };
};

/** A dataset of fixed batches: `labels(step)` for y, zeros for x; records the steps asked for. */
function fixed(c: Chain, labels: (step: number, size: number) => Int32Array, asked: number[] = []): Dataset {
  const per = c.input.shape.reduce((a, b) => a * b, 1);
  return {
    name: "fixed",
    batch(step, size): HostBatch {
      asked.push(step);
      const x = c.input.dtype === "i32" ? new Int32Array(size * per) : new Float32Array(size * per);
      return { x, y: labels(step, size) };
    },
  };
}

test("predict returns x_n of the chain's output shape, kind activation, owned by the caller", () => {
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 0);
  const x = backend.upload(new Float32Array(8 * 2), [8, 2], "f32", "io");
  const start = live(backend);
  const out = predict(x, { backend, chain, params });
  assert.deepEqual(out.shape, activationShapes(chain, 8).at(-1));
  assert.equal(out.storage.kind, "activation");
  assert.equal(out.storage.refs, 1);
  assert.equal(backend.memory.activationLive - start.activationLive, out.bytes);
  assert.equal(x.storage.refs, 1, "x_0 is still the caller's, with no reference left behind");
  out.release();
  assert.deepEqual(live(backend), start);
  x.release();
  releaseParams(params);
  assert.equal(backend.memory.activationLive, 0);
});

test("predict keeps at most x_i and x_{i+1} live: its peak is the largest adjacent pair (linear stages)", () => {
  // Linear stages make no temporaries, so the peak is exactly max_i bytes(x_i) + bytes(x_{i+1}),
  // with x_0 not counted (the caller's batch, kind io).
  const lin = sequential({
    inputs: 3,
    layers: [{ kind: "linear", out: 16 }, { kind: "linear", out: 4 }, { kind: "linear", out: 40 }, {
      kind: "linear",
      out: 8,
    }],
    classes: 2,
  });
  const backend = new MetaBackend();
  const params = initParams(lin, backend, 0);
  const x = backend.upload(new Float32Array(5 * 3), [5, 3], "f32", "io");
  const bytes = activationShapes(lin, 5).map(bytesOf);
  const pairs = bytes.slice(1).map((b, i) => b + (i === 0 ? 0 : bytes[i]!));
  const storeAll = bytes.slice(1).reduce((a, b) => a + b, 0);
  const before = backend.memory.activationLive;
  const out = predict(x, { backend, chain: lin, params });
  const peak = backend.memory.activationPeak - before;
  assert.equal(peak, Math.max(...pairs));
  assert.ok(peak < storeAll, `${peak} < ${storeAll}`);
  out.release();
  x.release();
  releaseParams(params);
});

test("predict's peak is the profile's untaped forward peak above x_i, at most, over the stages (mlp)", () => {
  const batch = 8;
  const profile = staticProfile(chain, batch);
  const bytes = activationShapes(chain, batch).map(bytesOf);
  const expected = Math.max(
    ...profile.stages.map((s, i) => (i === 0 ? 0 : bytes[i]!) + s.forwardPeakDiscard),
  );
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 0);
  const x = backend.upload(new Float32Array(batch * 2), [batch, 2], "f32", "io");
  const before = backend.memory.activationLive;
  const out = predict(x, { backend, chain, params });
  assert.equal(backend.memory.activationPeak - before, expected);
  // far below keeping every activation (and every tape) as a training step does
  assert.ok(expected < bytes.slice(1).reduce((a, b) => a + b, 0));
  out.release();
  x.release();
  releaseParams(params);
});

test("predict turns dropout off: ctx.dropout returns its input, and no mask buffer is made", () => {
  const seen: boolean[] = [];
  const spy: Stage = {
    name: "spy",
    kind: "spy",
    params: [],
    output: (s) => ({ shape: s, dtype: "f32" }),
    forward(ctx, x) {
      const h = ctx.relu(x);
      const d = ctx.dropout(h, 0.5);
      seen.push(d === h);
      return d;
    },
  };
  const base = mlp({ depth: 2, width: 8, hidden: 32, classes: 2, inputs: 2 });
  const spyChain: Chain = { ...base, stages: [spy, ...base.stages] };
  const backend = new MetaBackend();
  const params = initParams(spyChain, backend, 0);
  const x = backend.upload(new Float32Array(4 * 2), [4, 2], "f32", "io");
  predict(x, { backend, chain: spyChain, params, key: { seed: 3, step: 7 } }).release();
  assert.deepEqual(seen, [true]);

  // an mlp with dropout 0.5 peaks exactly as the same mlp without dropout
  const peakOf = (p: number) => {
    const c = mlp({ depth: 2, width: 8, hidden: 32, classes: 2, inputs: 2, dropout: p });
    const ps = initParams(c, backend, 0);
    const before = backend.memory.activationLive;
    predict(x, { backend, chain: c, params: ps }).release();
    releaseParams(ps);
    return backend.memory.activationPeak - before;
  };
  assert.equal(peakOf(0.5), peakOf(0));
  x.release();
  releaseParams(params);
  assert.equal(backend.memory.activationLive, 0);
});

test("predict releases everything when a stage throws part-way, and leaves the default kind", () => {
  const failing: Stage = {
    ...chain.stages[3]!,
    forward(ctx, x, p) {
      chain.stages[3]!.forward(ctx, x, p);
      throw new Error("stage failed");
    },
  };
  const bad: Chain = { ...chain, stages: chain.stages.map((s, i) => (i === 3 ? failing : s)) };
  const backend = new MetaBackend();
  const params = initParams(bad, backend, 0);
  const x = backend.upload(new Float32Array(4 * 2), [4, 2], "f32", "io");
  const start = live(backend);
  assert.throws(() => predict(x, { backend, chain: bad, params }), /stage failed/);
  assert.deepEqual(live(backend), start);
  assert.equal(backend.memory.defaultKind, "temporary");
  assert.equal(x.storage.refs, 1);
  x.release();
  releaseParams(params);
});

test("predict rejects an input that does not fit the chain, and params without one row per stage", () => {
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 0);
  const wrong = backend.upload(new Float32Array(12), [4, 3], "f32", "io");
  assert.throws(
    () => predict(wrong, { backend, chain, params }),
    (e) => e instanceof InvalidArgument && e.name === "x" && /Tensor<f32>\[4, 3\]/.test(e.message),
  );
  const ids = backend.upload(new Int32Array(8), [4, 2], "i32", "io");
  assert.throws(() => predict(ids, { backend, chain, params }), InvalidArgument);
  const x = backend.upload(new Float32Array(8), [4, 2], "f32", "io");
  assert.throws(
    () => predict(x, { backend, chain, params: params.slice(1) }),
    (e) => e instanceof InvalidArgument && e.name === "params.length" && e.value === chain.stages.length - 1,
  );
  for (const t of [wrong, ids, x]) t.release();
  releaseParams(params);
  assert.deepEqual(Object.values(backend.memory.report().live).filter((v) => v !== 0), []);
});

test("evaluate counts argmax hits by hand (meta logits are all zero: argmax is class 0) and restores the accountant", async () => {
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 0);
  // batch 4: step s has labels [0, s % 3, 1, 0] → hits: 3 when s % 3 = 0, else 2
  const asked: number[] = [];
  const data = fixed(chain, (s) => new Int32Array([0, s % 3, 1, 0]), asked);
  const start = live(backend);
  const r = await evaluate(data, { backend, chain, params, batch: 4, batches: 3, firstStep: 5 });
  assert.deepEqual(asked, [5, 6, 7]);
  // steps 5, 6, 7: s % 3 = 2, 0, 1 → hits 2 + 3 + 2 of 12
  assert.equal(r.accuracy, 7 / 12);
  assert.equal(r.examples, 12);
  assert.equal(r.loss, 0); // the meta backend reads zeros
  assert.deepEqual(live(backend), start);
  releaseParams(params);
});

test("evaluate's accuracy counts every position for [B, T] targets and [B, T, C] logits", async () => {
  const lm = gpt({ layers: 1, dModel: 8, heads: 2, seqLen: 3, vocab: 5 });
  const backend = new MetaBackend();
  const params = initParams(lm, backend, 0);
  // 2 examples × 3 positions, label 0 at 2 of the 6 positions
  const data = fixed(lm, () => new Int32Array([0, 1, 2, 3, 4, 0]));
  const start = live(backend);
  const r = await evaluate(data, { backend, chain: lm, params, batch: 2, batches: 2 });
  assert.equal(r.accuracy, 4 / 12);
  assert.equal(r.examples, 4);
  assert.deepEqual(live(backend), start);
  releaseParams(params);
});

test("evaluate's accuracy is null when the targets are not class ids for x_n", async () => {
  // x_n [B, 3] against targets [B, 3]: no class dimension to take an argmax over
  const perElement: LossStage = {
    name: "per-element",
    forward(ctx, x, target) {
      const n = x.size;
      return ctx.crossEntropy(ctx.reshape(x, [n, 1]), ctx.reshape(target, [n]));
    },
  };
  const base = mlp({ depth: 1, width: 4, hidden: 8, classes: 3, inputs: 2 });
  const c: Chain = { ...base, loss: perElement, target: { shape: [3] } };
  const backend = new MetaBackend();
  const params = initParams(c, backend, 0);
  const start = live(backend);
  const r = await evaluate(fixed(c, (_, size) => new Int32Array(size * 3)), {
    backend,
    chain: c,
    params,
    batch: 2,
    batches: 2,
  });
  assert.equal(r.accuracy, null);
  assert.equal(r.examples, 4);
  assert.deepEqual(live(backend), start);
  releaseParams(params);
});

test("evaluate releases everything when the loss throws, and when a batch does not fit the chain", async () => {
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 0);
  const start = live(backend);
  const throwing: Chain = {
    ...chain,
    loss: {
      name: "throws",
      forward(ctx, x) {
        ctx.relu(x);
        throw new Error("loss failed");
      },
    },
  };
  const data = fixed(chain, (_, size) => new Int32Array(size));
  await assert.rejects(
    evaluate(data, { backend, chain: throwing, params, batch: 4, batches: 2 }),
    /loss failed/,
  );
  assert.deepEqual(live(backend), start);
  assert.equal(backend.memory.defaultKind, "temporary");
  const short: Dataset = {
    name: "short",
    batch: (_, size) => ({ x: new Float32Array(size), y: new Int32Array(size) }),
  };
  await assert.rejects(
    evaluate(short, { backend, chain, params, batch: 4, batches: 1 }),
    (e) => e instanceof InvalidArgument && /short batch x length/.test(e.message),
  );
  assert.deepEqual(live(backend), start);
  releaseParams(params);
});

test("evaluate rejects a batch, batches or firstStep outside its range, naming the option and the value", async () => {
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 0);
  const data = fixed(chain, (_, size) => new Int32Array(size));
  const cases: Array<[string, number, Record<string, number>, RegExp]> = [
    ["batch", 0, { batch: 0, batches: 1 }, /invalid batch: got 0; expected a positive integer/],
    ["batch", 2.5, { batch: 2.5, batches: 1 }, /invalid batch: got 2\.5/],
    ["batches", 0, { batch: 2, batches: 0 }, /invalid batches: got 0; expected a positive integer/],
    ["batches", NaN, { batch: 2, batches: NaN }, /invalid batches: got NaN/],
    [
      "firstStep",
      -1,
      { batch: 2, batches: 1, firstStep: -1 },
      /invalid firstStep: got -1; expected a non-negative integer/,
    ],
    ["firstStep", 0.5, { batch: 2, batches: 1, firstStep: 0.5 }, /invalid firstStep: got 0\.5/],
  ];
  for (const [name, value, o, message] of cases) {
    await assert.rejects(
      evaluate(data, {
        backend,
        chain,
        params,
        batch: o.batch!,
        batches: o.batches!,
        firstStep: o.firstStep,
      }),
      (e) =>
        e instanceof InvalidArgument && e.name === name && Object.is(e.value, value) &&
        message.test(e.message),
    );
  }
  assert.equal(backend.memory.activationLive, 0);
  releaseParams(params);
});
