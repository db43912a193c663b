import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MetaBackend } from "./meta_backend.ts";
import { mlp } from "./models/mlp.ts";
import { gpt } from "./models/gpt.ts";
import type { Chain } from "./chain.ts";
import { initParams } from "./params.ts";
import { Recorder } from "./recorder.ts";

const KEY = { seed: 0, step: 0, stage: 0 };

/** Records stage `i` of `chain` on the meta backend for an input of `shape`. */
function recordStage(chain: Chain, i: number, shape: number[], dtype: "f32" | "i32" = "f32") {
  const b = new MetaBackend();
  const params = initParams(chain, b, 0);
  const x = b.alloc(shape, dtype, "io");
  const ctx = new Recorder(b, { record: true, key: { ...KEY, stage: i } });
  const { output, tape } = ctx.finish(chain.stages[i]!.forward(ctx, x, params[i]!), x);
  return { b, params: params[i]!, x, output, tape: tape! };
}

const small = mlp({ depth: 1, width: 4, hidden: 8, classes: 3, inputs: 2 });

describe("Tape", () => {
  test("Tape.backward returns gradients shaped like x and each parameter", () => {
    const { b, params, x, output, tape } = recordStage(small, 1, [5, 4]);
    const dOut = b.alloc(output.shape, "f32", "gradient");
    const { dx, dparams } = tape.backward(b, dOut, x, params);
    assert.ok(dx);
    assert.deepEqual(dx.shape, x.shape);
    assert.equal(dparams.length, params.length);
    dparams.forEach((g, j) => assert.deepEqual(g?.shape, params[j]!.shape, `param ${j}`));
    for (const g of [dx, ...dparams]) g!.release();
    dOut.release();
    output.release();
    assert.equal(b.memory.activationLive, 0);
  });

  test("Tape.backward releases the tape and does not consume dOut", () => {
    const { b, params, x, output, tape } = recordStage(small, 1, [5, 4]);
    const dOut = b.alloc(output.shape, "f32", "gradient");
    const liveBefore = b.memory.activationLive;
    assert.ok(tape.savedBytes([x, ...params]) > 0);
    const { dx, dparams } = tape.backward(b, dOut, x, params);
    assert.equal(tape.released, true);
    assert.equal(dOut.storage.refs, 1);
    // Parameter gradients are parameter-gradient memory from the start, outside the activation side.
    assert.deepEqual(dparams.map((g) => g!.storage.kind), dparams.map(() => "parameterGradient"));
    // The saved [5, 8] activation is gone; only ∂x was added on the activation side.
    assert.equal(b.memory.activationLive, liveBefore - 5 * 8 * 4 + dx!.storage.bytes);
    assert.throws(() => tape.backward(b, dOut, x, params), /released tape/);
    for (const g of [dx, ...dparams]) g!.release();
    dOut.release();
    output.release();
  });

  test("Tape.backward's activation-side peak: the hidden gradient and ∂x, no weight gradient, no second hidden buffer", () => {
    const { b, params, x, output, tape } = recordStage(small, 1, [5, 4]);
    const dOut = b.alloc(output.shape, "f32", "gradient");
    const start = b.memory.activationLive;
    b.memory.resetPeak();
    const { dx, dparams } = tape.backward(b, dOut, x, params);
    // ∂hidden [5, 8] is the scratch the relu backward overwrites (it is not copied), ∂x [5, 4]
    // is computed from it; ∂W1 [4, 8] and ∂W2 [8, 4] are parameter gradients from the start.
    assert.equal(b.memory.activationPeak - start, 5 * 8 * 4 + 5 * 4 * 4);
    // dOut is never scratch (the tape holds it besides the caller); its extra reference is gone
    assert.equal(dOut.storage.refs, 1);
    for (const g of [dx, ...dparams]) g!.release();
    dOut.release();
    output.release();
  });

  test("Tape.backward defaults x to the recorded input", () => {
    const { b, params, output, tape } = recordStage(small, 0, [5, 2]);
    const dOut = b.alloc(output.shape, "f32", "gradient");
    const { dx, dparams } = tape.backward(b, dOut, null, params);
    assert.deepEqual(dx?.shape, [5, 2]);
    assert.deepEqual(dparams.map((g) => g?.shape), [[2, 4], [4]]);
    for (const g of [dx, ...dparams]) g!.release();
    dOut.release();
    output.release();
    assert.equal(b.memory.activationLive, 0);
  });

  test("Tape.backward gives null for integer inputs and unused parameters", () => {
    const chain = gpt({ layers: 1, dModel: 8, heads: 2, seqLen: 4, vocab: 6 });
    const { b, params, x, output, tape } = recordStage(chain, 0, [3, 4], "i32");
    const dOut = b.alloc(output.shape, "f32", "gradient");
    const stranger = b.alloc([2], "f32", "parameter");
    const { dx, dparams } = tape.backward(b, dOut, x, [...params, stranger]);
    assert.equal(dx, null);
    assert.deepEqual(dparams.slice(0, 2).map((g) => g?.shape), [[6, 8], [4, 8]]);
    assert.equal(dparams[2], null);
    for (const g of dparams) g?.release();
    dOut.release();
    output.release();
    assert.equal(b.memory.activationLive, 0);
  });

  test("Tape.release drops the saved tensors once and is idempotent", () => {
    const { b, params, x, output, tape } = recordStage(small, 1, [5, 4]);
    assert.equal(b.memory.activationLive, 5 * 4 * 4 + tape.savedBytes([x, ...params]));
    tape.release();
    tape.release();
    assert.equal(tape.released, true);
    assert.equal(b.memory.activationLive, 5 * 4 * 4);
    assert.equal(x.storage.refs, 1);
    for (const p of params) assert.equal(p.storage.refs, 1);
    output.release();
  });

  test("Tape.savedBytes counts saved weights and activations and honours exclude", () => {
    const { params, x, output, tape } = recordStage(small, 1, [5, 4]);
    const all = tape.savedBytes();
    const w = params.map((p) => p.storage.bytes);
    // x, w1 [4, 8], w2 [8, 4] and the [5, 8] hidden activation (the fused relu's output).
    assert.equal(all, 5 * 4 * 4 + w[0]! + w[2]! + 5 * 8 * 4);
    assert.equal(tape.savedBytes([x]), all - 5 * 4 * 4);
    tape.release();
    output.release();
  });

  test("Tape.savedBytes counts a storage once however many nodes or views save it", () => {
    const b = new MetaBackend();
    const x = b.alloc([2, 6], "f32", "io");
    const ctx = new Recorder(b, { record: true, key: KEY });
    const h = ctx.relu(x); // saves x
    const hv = ctx.reshape(h, [3, 4]); // saves h
    const sq = ctx.mul(hv, hv); // saves the view of h, twice
    const { output, tape } = ctx.finish(ctx.relu(sq), x); // saves sq
    assert.equal(tape!.nodes.flatMap((n) => n.saved).length, 5);
    assert.equal(tape!.savedBytes([x]), 2 * 12 * 4);
    assert.equal(tape!.savedBytes(), 3 * 12 * 4);
    assert.equal(b.memory.activationLive, output.storage.bytes + 2 * 12 * 4);
    tape!.release();
    output.release();
    assert.equal(b.memory.activationLive, 0);
  });

  test("Tape.cost sums the cost models of the recorded ops", () => {
    const { output, tape } = recordStage(small, 1, [5, 4]);
    const c = tape.cost();
    // linear+relu 2·5·4·8 + 5·8·(1 + 1), linear 2·5·8·4 + 5·4, add 5·4: the unfused ops' sum.
    assert.equal(c.forward.flops, 320 + 40 + 40 + 320 + 20 + 20);
    assert.ok(c.backward.flops > c.forward.flops);
    assert.ok(c.forward.bytes > 0 && c.backward.bytes > 0);
    tape.release();
    output.release();
  });
});
