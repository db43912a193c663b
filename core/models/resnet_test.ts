import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { activationShapes, type Chain, parameterCount } from "../chain.ts";
import { InvalidArgument } from "../errors.ts";
import { executePlan } from "../execute.ts";
import { MetaBackend } from "../meta_backend.ts";
import { initParams, releaseParams } from "../params.ts";
import { storeAllPlan } from "../plan.ts";
import { predictPlan } from "../predict.ts";
import { staticProfile } from "../profile.ts";
import { convUnit, resnet, type ResnetConfig } from "./resnet.ts";

/** Asserts `f` throws InvalidArgument for `name` whose message names the value seen. */
function throwsInvalid(f: () => unknown, name: string, value: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InvalidArgument, String(e));
    assert.equal(e.name, name);
    assert.ok(e.message.includes(`invalid ${name}: got ${value}`), e.message);
    return true;
  });
}

const cfg: ResnetConfig = { inputs: [1, 12, 12], classes: 5, widths: [4, 6, 8], blocks: [2, 1, 2] };
/** The filters of stage i (its batch norms' parameters, named `${conv}.…`, left out). */
const shapesOf = (c: Chain, i: number) =>
  c.stages[i]!.params.filter((p) => !p.name.includes(".")).map((p) => [p.name, p.shape]);

/**
 * The closed form: stem, each block's two 3×3 convs and its 1×1 projection where the shape
 * changes, each conv with a batch norm of 4 per channel (γ, β, running mean and variance), head.
 */
function expectedParams(channels: number, classes: number, widths: number[], blocks: number[]): number {
  let n = channels * widths[0]! * 9 + 4 * widths[0]!, c = widths[0]!;
  widths.forEach((w, g) => {
    for (let b = 0; b < blocks[g]!; b++) {
      const projects = g > 0 && b === 0 || c !== w;
      n += c * w * 9 + w * w * 9 + 8 * w + (projects ? c * w + 4 * w : 0);
      c = w;
    }
  });
  return n + c * classes + classes;
}

describe("resnet", () => {
  test("resnet has a stem, one stage per block and a head: 1 + Σ blocks + 1 stages", () => {
    const c = resnet(cfg);
    assert.equal(c.stages.length, 1 + 5 + 1);
    assert.deepEqual(c.stages.map((s) => s.name), [
      "stem",
      "block0.0",
      "block0.1",
      "block1.0",
      "block2.0",
      "block2.1",
      "head",
    ]);
    assert.deepEqual(c.stages.map((s) => s.kind), [
      "conv-stem",
      "residual-conv",
      "residual-conv",
      "residual-conv-down",
      "residual-conv-down",
      "residual-conv",
      "pool-linear",
    ]);
    assert.deepEqual(c.input, { shape: [1, 12, 12], dtype: "f32" });
    assert.deepEqual(c.target, { shape: [], dtype: "i32" });
    assert.equal(c.loss.name, "cross-entropy");
    assert.equal(c.name, "resnet(inputs=1x12x12, widths=4/6/8, blocks=2/1/2, classes=5)");
    assert.equal(c.config.model, "resnet");
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      (blocks) => {
        const chain = resnet({ inputs: [2, 8, 8], classes: 3, widths: blocks.map(() => 2), blocks });
        assert.equal(chain.stages.length, 1 + blocks.reduce((a, b) => a + b, 0) + 1);
      },
    ));
  });

  test("resnet defaults to widths 16/32/64, two blocks each, the stem as wide as the first group", () => {
    const c = resnet({ inputs: [3, 32, 32], classes: 10 });
    assert.equal(c.stages.length, 8);
    assert.equal(c.name, "resnet(inputs=3x32x32, widths=16/32/64, blocks=2/2/2, classes=10)");
    assert.deepEqual(shapesOf(c, 0), [["conv", [16, 3, 3, 3]]]);
    assert.equal(c.config.stem, 16);
  });

  test("resnet blocks own 3×3 filters [K, C, 3, 3] and a 1×1 projection where they downsample", () => {
    const c = resnet(cfg);
    assert.deepEqual(shapesOf(c, 0), [["conv", [4, 1, 3, 3]]]);
    assert.deepEqual(shapesOf(c, 1), [["conv1", [4, 4, 3, 3]], ["conv2", [4, 4, 3, 3]]]);
    assert.deepEqual(shapesOf(c, 3), [
      ["conv1", [6, 4, 3, 3]],
      ["conv2", [6, 6, 3, 3]],
      ["proj", [6, 4, 1, 1]],
    ]);
    assert.deepEqual(shapesOf(c, 6), [["w", [8, 5]], ["b", [5]]]);
    // A stem narrower than the first group: the first block projects without downsampling.
    const s = resnet({ ...cfg, stem: 3 });
    assert.match(s.name, /stem=3/);
    assert.deepEqual(shapesOf(s, 1).map(([n]) => n), ["conv1", "conv2", "proj"]);
    assert.deepEqual(activationShapes(s, 2)[2], [2, 4, 12, 12]);
  });

  test("resnet filters are He-normal, the second conv of each block scaled by 1/√(blocks), the head zero", () => {
    const c = resnet(cfg);
    const std = (i: number, name: string) => {
      const init = c.stages[i]!.params.find((p) => p.name === name)!.init;
      assert.equal(init.kind, "normal");
      return (init as { std: number }).std;
    };
    assert.equal(std(0, "conv"), Math.sqrt(2 / 9));
    assert.equal(std(3, "conv1"), Math.sqrt(2 / (4 * 9)));
    assert.equal(std(3, "proj"), Math.sqrt(2 / 4));
    assert.ok(Math.abs(std(3, "conv2") - Math.sqrt(2 / (6 * 9)) / Math.sqrt(5)) < 1e-15);
    assert.deepEqual(c.stages[6]!.params.map((p) => p.init), [{ kind: "zeros" }, { kind: "zeros" }]);
  });

  test("activationShapes of resnet: the stem keeps H and W, each later group halves them (rounding up)", () => {
    assert.deepEqual(activationShapes(resnet(cfg), 3), [
      [3, 1, 12, 12],
      [3, 4, 12, 12],
      [3, 4, 12, 12],
      [3, 4, 12, 12],
      [3, 6, 6, 6],
      [3, 8, 3, 3],
      [3, 8, 3, 3],
      [3, 5],
    ]);
    const fashion = resnet({ inputs: [1, 28, 28], classes: 10 });
    assert.deepEqual(activationShapes(fashion, 2).map((s) => s.slice(1)), [
      [1, 28, 28],
      [16, 28, 28],
      [16, 28, 28],
      [16, 28, 28],
      [32, 14, 14],
      [32, 14, 14],
      [64, 7, 7],
      [64, 7, 7],
      [10],
    ]);
    assert.deepEqual(activationShapes(resnet({ ...cfg, inputs: [2, 7, 5] }), 1).at(-2), [1, 8, 2, 2]);
  });

  test("parameterCount of resnet matches the closed form", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 7 }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 })), {
        minLength: 1,
        maxLength: 4,
      }),
      (channels, classes, groups) => {
        const widths = groups.map(([w]) => w), blocks = groups.map(([, b]) => b);
        const chain = resnet({ inputs: [channels, 9, 9], classes, widths, blocks });
        assert.equal(parameterCount(chain), expectedParams(channels, classes, widths, blocks));
      },
    ));
    // By hand for cfg: stem 36 + 16; block0.x 2·(288 + 32); block1.0 216 + 324 + 24 + 3·24;
    // block2.0 432 + 576 + 48 + 3·32; block2.1 2·(576 + 32); head 45 (batch norms: 4 per channel).
    assert.equal(parameterCount(resnet(cfg)), 52 + 640 + 636 + 1152 + 1216 + 45);
  });

  test("a store-all step of resnet on the meta backend peaks at staticProfile's predicted peak", () => {
    const batch = 3;
    for (const chain of [resnet(cfg), resnet({ ...cfg, stem: 2, inputs: [2, 9, 7] })]) {
      const n = chain.stages.length;
      const predicted = predictPlan(staticProfile(chain, batch), storeAllPlan(n));
      const backend = new MetaBackend();
      const params = initParams(chain, backend, 1);
      const x = backend.upload(
        new Float32Array(chain.input.shape.reduce((a, b) => a * b, batch)),
        [batch, ...chain.input.shape],
        "f32",
        "io",
      );
      const y = backend.upload(new Int32Array(batch), [batch], "i32", "io");
      const out = executePlan(storeAllPlan(n), { backend, chain, params, batch: { x, y } });
      assert.equal(out.peakBytes, predicted.peakBytes, chain.name);
      assert.deepEqual(out.forwards, predicted.forwards, chain.name);
      assert.deepEqual(
        out.grads.map((row) => row.map((g) => g.shape)),
        chain.stages.map((s) => s.params.map((p) => p.shape)),
      );
      out.loss.release();
      for (const g of out.grads.flat()) g.release();
      x.release();
      y.release();
      releaseParams(params);
      assert.equal(backend.memory.report().activationLive, 0);
    }
  });

  test("resnet rejects bad options with InvalidArgument naming the option and the value", () => {
    throwsInvalid(() => resnet({ ...cfg, classes: 0 }), "classes", "0");
    throwsInvalid(() => resnet({ ...cfg, inputs: [1, 0, 12] }), "inputs[1]", "0");
    throwsInvalid(() => resnet({ ...cfg, inputs: [1, 12.5, 12] }), "inputs[1]", "12.5");
    throwsInvalid(() => resnet({ ...cfg, inputs: [1, 12] as never }), "inputs", "[1,12]");
    throwsInvalid(() => resnet({ ...cfg, widths: [4, -6, 8] }), "widths[1]", "-6");
    throwsInvalid(() => resnet({ ...cfg, blocks: [2, 0, 2] }), "blocks[1]", "0");
    throwsInvalid(() => resnet({ ...cfg, blocks: [2, 1, Number.NaN] }), "blocks[2]", "NaN");
    throwsInvalid(() => resnet({ ...cfg, widths: [] }), "widths", "[]");
    throwsInvalid(() => resnet({ ...cfg, stem: 1.5 }), "stem", "1.5");
    assert.throws(() => resnet({ ...cfg, blocks: [2, 2] }), (e: unknown) => {
      assert.ok(e instanceof InvalidArgument);
      assert.equal(e.name, "blocks");
      assert.match(
        e.message,
        /invalid blocks: got \[2,2\]; expected one entry per entry of widths \(3: \[4, 6, 8\]\)/,
      );
      return true;
    });
  });

  test("convUnit: filters [K, C, k, k] with padding ⌊k/2⌋, checked sizes", () => {
    const unit = convUnit("c", { inputs: 3, outputs: 5, kernel: 3, stride: 2, initScale: 0.5 });
    assert.deepEqual(unit.params, [
      { name: "c", shape: [5, 3, 3, 3], init: { kind: "normal", std: 0.5 * Math.sqrt(2 / 27) } },
      { name: "c.gamma", shape: [5], init: { kind: "ones" } },
      { name: "c.beta", shape: [5], init: { kind: "zeros" } },
      { name: "c.runningMean", shape: [5], init: { kind: "zeros" }, state: true },
      { name: "c.runningVar", shape: [5], init: { kind: "ones" }, state: true },
    ]);
    assert.equal(
      convUnit("z", { inputs: 3, outputs: 5, kernel: 3, norm: "zero" }).params[1]!.init.kind,
      "zeros",
    );
    assert.deepEqual(
      convUnit("n", { inputs: 3, outputs: 5, kernel: 3, norm: false }).params.map((p) => p.name),
      ["n"],
    );
    assert.deepEqual(unit.output([2, 3, 9, 9]), [2, 5, 5, 5]);
    assert.deepEqual(convUnit("p", { inputs: 3, outputs: 5, kernel: 1 }).output([2, 3, 9, 9]), [2, 5, 9, 9]);
    throwsInvalid(() => convUnit("c", { inputs: 0, outputs: 5, kernel: 3 }), "c inputs", "0");
    throwsInvalid(
      () => convUnit("c", { inputs: 3, outputs: 5, kernel: 3, initScale: -1 }),
      "c initScale",
      "-1",
    );
    throwsInvalid(() => convUnit("c", { inputs: 3, outputs: 5, kernel: 3, stride: 0 }), "conv2d stride", "0");
  });
});
