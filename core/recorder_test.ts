import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Chain } from "./chain.ts";
import { ShapeMismatch } from "./errors.ts";
import { MetaBackend } from "./meta_backend.ts";
import { mlp } from "./models/mlp.ts";
import { initParams, type Params } from "./params.ts";
import { keyHash } from "./random.ts";
import { Recorder } from "./recorder.ts";

const B = 5, WIDTH = 4, HIDDEN = 8, CLASSES = 3, INPUTS = 2;
const KEY = { seed: 11, step: 3, stage: 1 };

/** A one-block MLP on the meta backend, with its stage-1 input x [B, WIDTH] as "io". */
function setup(dropout = 0): { b: MetaBackend; chain: Chain; params: Params } {
  const b = new MetaBackend();
  const chain = mlp({ depth: 1, width: WIDTH, hidden: HIDDEN, classes: CLASSES, inputs: INPUTS, dropout });
  const params = initParams(chain, b, 0);
  return { b, chain, params };
}

describe("Recorder", () => {
  test("Recorder.finish with recording keeps a tape whose saved bytes are the block's one hidden activation", () => {
    const { b, chain, params } = setup();
    const x = b.alloc([B, WIDTH], "f32", "io");
    const ctx = new Recorder(b, { record: true, key: KEY });
    const out = chain.stages[1]!.forward(ctx, x, params[1]!);
    const { output, tape } = ctx.finish(out, x);
    assert.ok(tape);
    assert.deepEqual(output.shape, [B, WIDTH]);
    assert.equal(tape.input, x);
    assert.equal(tape.output, output);
    // linear+relu, linear, add (dropout with p = 0 records nothing).
    assert.deepEqual(tape.nodes.map((n) => n.op.name), ["linear", "linear", "add"]);
    assert.deepEqual(tape.nodes.map((n) => (n.attrs as { activation?: string } | undefined)?.activation), [
      "relu",
      "none",
      undefined,
    ]);
    // the fused relu keeps its output (not its input), which the second linear keeps too:
    // one [B, HIDDEN] storage.
    const saved = tape.savedBytes([x, ...params[1]!]);
    assert.equal(saved, B * HIDDEN * 4);
    assert.ok(tape.savedBytes() > saved, "x and w1/w2 are saved as well");
    // Only the output and the saved intermediates stay alive on the activation side.
    assert.equal(b.memory.activationLive, output.storage.bytes + saved);
    assert.ok(b.memory.activationPeak > b.memory.activationLive);
    tape.release();
    output.release();
    assert.equal(b.memory.activationLive, 0);
  });

  test("Recorder.finish without recording keeps no tape and only the output alive", () => {
    const { b, chain, params } = setup();
    const x = b.alloc([B, WIDTH], "f32", "io");
    const ctx = new Recorder(b, { record: false, key: KEY });
    const { output, tape } = ctx.finish(chain.stages[1]!.forward(ctx, x, params[1]!), x);
    assert.equal(tape, null);
    assert.equal(output.storage.refs, 1);
    assert.equal(b.memory.activationLive, B * WIDTH * 4);
    output.release();
    assert.equal(b.memory.activationLive, 0);
    // Inputs and parameters are untouched.
    assert.equal(x.storage.refs, 1);
    for (const p of params[1]!) assert.equal(p.storage.refs, 1);
  });

  test("Recorder.finish keeps a loss tape holding the probabilities", () => {
    const { b, chain } = setup();
    const logits = b.alloc([B, CLASSES], "f32", "io");
    const labels = b.alloc([B], "i32", "io");
    const ctx = new Recorder(b, { record: true, key: { ...KEY, stage: 3 } });
    const { output, tape } = ctx.finish(chain.loss.forward(ctx, logits, labels), logits);
    assert.deepEqual(output.shape, [1]);
    assert.equal(tape!.savedBytes([labels]), B * CLASSES * 4);
    assert.equal(b.memory.activationLive, 4 + B * CLASSES * 4);
    tape!.release();
    output.release();
    assert.equal(b.memory.activationLive, 0);
  });

  test("Recorder.finish retains an output that is the stage input", () => {
    const b = new MetaBackend();
    const x = b.alloc([2, 2], "f32", "activation");
    const ctx = new Recorder(b, { record: true, key: KEY });
    const { output, tape } = ctx.finish(ctx.dropout(x, 0), x);
    assert.equal(output, x);
    assert.equal(x.storage.refs, 2);
    assert.equal(tape!.nodes.length, 0);
    output.release();
    x.release();
    assert.equal(b.memory.activationLive, 0);
  });

  test("Recorder.reshape output shares storage with its input", () => {
    const b = new MetaBackend();
    const x = b.alloc([2, 6], "f32", "io");
    const ctx = new Recorder(b, { record: false, key: KEY });
    const y = ctx.reshape(x, [3, 4]);
    assert.equal(y.storage, x.storage);
    const { output } = ctx.finish(ctx.relu(y));
    assert.deepEqual(output.shape, [3, 4]);
    assert.equal(x.storage.refs, 1);
    output.release();
  });

  test("Recorder.apply throws ShapeMismatch naming the op and shapes", () => {
    const b = new MetaBackend();
    const a = b.alloc([2, 3], "f32", "io");
    const w = b.alloc([4, 5], "f32", "io");
    const ctx = new Recorder(b, { record: true, key: KEY });
    assert.throws(() => ctx.matmul(a, w), (e: unknown) => {
      assert.ok(e instanceof ShapeMismatch);
      assert.match(e.message, /^matmul: shape mismatch: got \[2, 3\] and \[4, 5\]/);
      return true;
    });
  });

  test("Recorder.dropout with p=0 is the identity, records nothing and allocates nothing", () => {
    const b = new MetaBackend();
    const x = b.alloc([3, 3], "f32", "io");
    const before = b.memory.report();
    const ctx = new Recorder(b, { record: true, key: KEY });
    assert.equal(ctx.dropout(x, 0), x);
    assert.deepEqual(b.memory.report(), before);
    const { tape, output } = ctx.finish(x, x);
    assert.equal(tape!.nodes.length, 0);
    output.release();
  });

  test("Recorder.dropout with p=0 consumes a call site, so the next site's key differs", () => {
    const b = new MetaBackend();
    const x = b.alloc([3, 3], "f32", "io");
    const keyOfSecondCall = (p0: number) => {
      const ctx = new Recorder(b, { record: true, key: KEY });
      ctx.dropout(x, p0);
      ctx.dropout(x, 0.5);
      const { output, tape } = ctx.finish(x, x);
      const attrs = tape!.nodes.at(-1)!.attrs as { p: number; keyHash: number };
      tape!.release();
      output.release();
      return attrs;
    };
    const afterZero = keyOfSecondCall(0);
    const afterHalf = keyOfSecondCall(0.5);
    assert.equal(afterZero.p, 0.5);
    assert.equal(afterZero.keyHash, keyHash({ ...KEY, site: 1 }));
    assert.notEqual(afterZero.keyHash, keyHash({ ...KEY, site: 0 }));
    // The site numbering does not depend on whether earlier sites dropped anything.
    assert.equal(afterZero.keyHash, afterHalf.keyHash);
  });

  test("Recorder.dropout keys its mask by seed, step and stage", () => {
    const b = new MetaBackend();
    const x = b.alloc([2], "f32", "io");
    const hashFor = (key: typeof KEY) => {
      const ctx = new Recorder(b, { record: true, key: key });
      ctx.dropout(x, 0.25);
      const { output, tape } = ctx.finish(x, x);
      const h = (tape!.nodes[0]!.attrs as { keyHash: number }).keyHash;
      tape!.release();
      output.release();
      return h;
    };
    const h = hashFor(KEY);
    assert.equal(h, keyHash({ ...KEY, site: 0 }));
    assert.equal(hashFor({ ...KEY }), h);
    assert.notEqual(hashFor({ ...KEY, seed: KEY.seed + 1 }), h);
    assert.notEqual(hashFor({ ...KEY, step: KEY.step + 1 }), h);
    assert.notEqual(hashFor({ ...KEY, stage: KEY.stage + 1 }), h);
  });

  test("Recorder.dropout with p>0 saves nothing on the tape (the mask is regenerated)", () => {
    const { b, chain, params } = setup(0.5);
    const x = b.alloc([B, WIDTH], "f32", "io");
    const ctx = new Recorder(b, { record: true, key: KEY });
    const { output, tape } = ctx.finish(chain.stages[1]!.forward(ctx, x, params[1]!), x);
    const drop = tape!.nodes.find((n) => n.op.name === "dropout");
    assert.ok(drop);
    assert.equal(drop.saved.length, 0);
    assert.equal(tape!.savedBytes([x, ...params[1]!]), 2 * B * HIDDEN * 4);
    tape!.release();
    output.release();
    assert.equal(b.memory.activationLive, 0);
  });
});

test("Recorder.abort releases what a forward made before it failed", () => {
  const b = new MetaBackend();
  const x = b.alloc([2, 3], "f32", "activation");
  const w = b.alloc([4, 4], "f32", "parameter");
  const before = b.memory.activationLive;
  const ctx = new Recorder(b, { record: true, key: { seed: 0, step: 0, stage: 0 } });
  assert.throws(() => ctx.matmul(ctx.relu(x), w), /matmul: shape mismatch/);
  assert.ok(b.memory.activationLive > before);
  ctx.abort();
  assert.equal(b.memory.activationLive, before);
  assert.equal(x.storage.refs, 1);
  x.release();
  w.release();
});
