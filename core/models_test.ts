import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { activationShapes, type Chain, parameterCount } from "./chain.ts";
import { InvalidArgument } from "./errors.ts";
import { gpt, type GptConfig } from "./models/gpt.ts";
import { mlp, type MlpConfig } from "./models/mlp.ts";

/** Asserts `f` throws InvalidArgument for `name` whose message names the value seen. */
function throwsInvalid(f: () => unknown, name: string, value: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InvalidArgument, String(e));
    assert.equal(e._tag, "InvalidArgument");
    assert.equal(e.name, name);
    assert.ok(e.message.includes(`invalid ${name}: got ${value}`), e.message);
    return true;
  });
}

const names = (c: Chain) => c.stages.map((s) => s.name);
const shapesOf = (c: Chain, i: number) => c.stages[i]!.params.map((p) => [p.name, p.shape]);

describe("mlp", () => {
  const cfg: MlpConfig = { depth: 3, width: 4, hidden: 6, classes: 5, inputs: 2 };

  test("mlp has an input stage, one stage per block and a head", () => {
    const c = mlp(cfg);
    assert.deepEqual(names(c), ["input", "block0", "block1", "block2", "head"]);
    assert.deepEqual(c.stages.map((s) => s.kind), [
      "linear",
      "residual-mlp",
      "residual-mlp",
      "residual-mlp",
      "linear",
    ]);
    assert.deepEqual(c.input, { shape: [2], dtype: "f32" });
    assert.deepEqual(c.target, { shape: [], dtype: "i32" });
    assert.equal(c.loss.name, "cross-entropy");
    assert.equal(c.name, "mlp(depth=3, width=4, hidden=6, classes=5)");
  });

  test("mlp stages own parameters of the configured shapes", () => {
    const c = mlp(cfg);
    assert.deepEqual(shapesOf(c, 0), [["w", [2, 4]], ["b", [4]]]);
    assert.deepEqual(shapesOf(c, 1), [["w1", [4, 6]], ["b1", [6]], ["w2", [6, 4]], ["b2", [4]]]);
    assert.deepEqual(shapesOf(c, 4), [["w", [4, 5]], ["b", [5]]]);
  });

  test("mlp defaults inputs to width and dropout to 0 in its config", () => {
    const c = mlp({ depth: 1, width: 7, hidden: 3, classes: 2 });
    assert.deepEqual(c.input.shape, [7]);
    assert.deepEqual(shapesOf(c, 0)[0], ["w", [7, 7]]);
    assert.equal(c.config.inputs, 7);
    assert.equal(c.config.dropout, 0);
    assert.equal(c.config.model, "mlp");
  });

  test("activationShapes of mlp runs batch × features through every stage", () => {
    assert.deepEqual(activationShapes(mlp(cfg), 8), [[8, 2], [8, 4], [8, 4], [8, 4], [8, 4], [8, 5]]);
  });

  test("parameterCount of mlp matches the closed form", () => {
    fc.assert(fc.property(
      fc.record({
        depth: fc.integer({ min: 1, max: 5 }),
        width: fc.integer({ min: 1, max: 9 }),
        hidden: fc.integer({ min: 1, max: 9 }),
        classes: fc.integer({ min: 1, max: 9 }),
        inputs: fc.integer({ min: 1, max: 9 }),
      }),
      ({ depth, width, hidden, classes, inputs }) => {
        const block = width * hidden + hidden + hidden * width + width;
        const expected = inputs * width + width + depth * block + width * classes + classes;
        assert.equal(parameterCount(mlp({ depth, width, hidden, classes, inputs })), expected);
      },
    ));
    assert.equal(parameterCount(mlp(cfg)), 12 + 3 * 58 + 25);
  });

  test("mlp rejects non-positive or fractional sizes with InvalidArgument naming the value", () => {
    throwsInvalid(() => mlp({ ...cfg, depth: 0 }), "depth", "0");
    throwsInvalid(() => mlp({ ...cfg, width: -3 }), "width", "-3");
    throwsInvalid(() => mlp({ ...cfg, hidden: 2.5 }), "hidden", "2.5");
    throwsInvalid(() => mlp({ ...cfg, classes: Number.NaN }), "classes", "NaN");
    throwsInvalid(() => mlp({ ...cfg, classes: Infinity }), "classes", "Infinity");
    throwsInvalid(() => mlp({ ...cfg, inputs: 0 }), "inputs", "0");
  });

  test("mlp rejects a dropout outside [0, 1) with InvalidArgument naming the value", () => {
    throwsInvalid(() => mlp({ ...cfg, dropout: 1 }), "dropout", "1");
    throwsInvalid(() => mlp({ ...cfg, dropout: -0.1 }), "dropout", "-0.1");
    assert.equal(mlp({ ...cfg, dropout: 0.99 }).config.dropout, 0.99);
  });
});

describe("gpt", () => {
  const cfg: GptConfig = { layers: 2, dModel: 8, heads: 2, seqLen: 5, vocab: 11 };

  test("gpt has an embedding stage, one stage per layer and a head", () => {
    const c = gpt(cfg);
    assert.deepEqual(names(c), ["embed", "block0", "block1", "head"]);
    assert.deepEqual(c.stages.map((s) => s.kind), [
      "embedding",
      "transformer-block",
      "transformer-block",
      "lm-head",
    ]);
    assert.deepEqual(c.input, { shape: [5], dtype: "i32" });
    assert.deepEqual(c.target, { shape: [5], dtype: "i32" });
    assert.equal(c.config.hidden, 32);
    assert.equal(c.config.dropout, 0);
  });

  test("gpt stages own parameters of the configured shapes", () => {
    const c = gpt({ ...cfg, hidden: 12 });
    assert.deepEqual(shapesOf(c, 0), [["wte", [11, 8]], ["wpe", [5, 8]]]);
    const block = new Map(shapesOf(c, 1) as [string, number[]][]);
    assert.equal(block.size, 16);
    assert.deepEqual(block.get("wq"), [8, 8]);
    assert.deepEqual(block.get("wo"), [8, 8]);
    assert.deepEqual(block.get("w1"), [8, 12]);
    assert.deepEqual(block.get("b1"), [12]);
    assert.deepEqual(block.get("w2"), [12, 8]);
    assert.deepEqual(block.get("ln2.g"), [8]);
    assert.deepEqual(shapesOf(c, 3), [["lnf.g", [8]], ["lnf.b", [8]], ["w", [8, 11]], ["b", [11]]]);
  });

  test("activationShapes of gpt goes from token ids to logits per position", () => {
    assert.deepEqual(activationShapes(gpt(cfg), 3), [[3, 5], [3, 5, 8], [3, 5, 8], [3, 5, 8], [3, 5, 11]]);
  });

  test("parameterCount of gpt matches the closed form", () => {
    const { layers, dModel: d, seqLen, vocab } = cfg;
    const h = 4 * d;
    const block = 4 * (d * d + d) + 4 * d + (d * h + h) + (h * d + d);
    const expected = vocab * d + seqLen * d + layers * block + 2 * d + d * vocab + vocab;
    assert.equal(parameterCount(gpt(cfg)), expected);
    assert.equal(expected, 128 + 2 * 872 + 115);
  });

  test("gpt rejects heads that do not divide dModel, naming both", () => {
    assert.throws(() => gpt({ ...cfg, heads: 3 }), (e: unknown) => {
      assert.ok(e instanceof InvalidArgument);
      assert.equal(e.value, 3);
      assert.match(e.message, /invalid heads: got 3; expected a divisor of dModel=8/);
      return true;
    });
  });

  test("gpt rejects non-positive sizes and a bad dropout with InvalidArgument naming the value", () => {
    throwsInvalid(() => gpt({ ...cfg, layers: 0 }), "layers", "0");
    throwsInvalid(() => gpt({ ...cfg, dModel: 0 }), "dModel", "0");
    throwsInvalid(() => gpt({ ...cfg, seqLen: 1.5 }), "seqLen", "1.5");
    throwsInvalid(() => gpt({ ...cfg, vocab: -1 }), "vocab", "-1");
    throwsInvalid(() => gpt({ ...cfg, hidden: 0 }), "hidden", "0");
    throwsInvalid(() => gpt({ ...cfg, dropout: 1 }), "dropout", "1");
  });
});
