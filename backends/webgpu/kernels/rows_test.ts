/**
 * Edge cases of the row and column reductions that the shared suites' small shapes miss:
 * rows longer than a workgroup, more rows than one grid dimension holds (and more than one
 * level of column blocks), and empty shapes; all against the CPU backend.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backend, Shape, Tensor } from "@remat/core";
import { KERNEL_AGREEMENT_TOL } from "@remat/conformance";
import { CpuBackend } from "@remat/cpu";
import { withWebGpu } from "../test_support.ts";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** Deterministic values in [lo, hi). */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

/** Labels in [0, classes). */
function labels(n: number, classes: number, seed: number): Int32Array {
  return Int32Array.from(values(n, seed, 0, 1), (v) => Math.min(classes - 1, Math.floor(v * classes)));
}

/** One input of a case: f32 values or i32 labels with their shape. */
type Input = { data: Float32Array | Int32Array; shape: Shape };

/** Runs `op` on `bk` over uploads of `inputs`, returns every output on the host and frees all. */
async function runOn(bk: Backend, inputs: ReadonlyArray<Input>, op: (bk: Backend, ts: Tensor[]) => Tensor[]) {
  const ts = inputs.map(({ data, shape }) =>
    data instanceof Int32Array ? bk.upload(data, shape, "i32") : bk.upload(data, shape, "f32")
  );
  const outs = op(bk, ts);
  try {
    return { shapes: outs.map((t) => [...t.shape]), data: await Promise.all(outs.map((t) => bk.read(t))) };
  } finally {
    for (const t of [...outs, ...ts]) t.release();
  }
}

/** Asserts the WebGPU outputs match the CPU's in shape and within the agreement tolerance. */
async function agrees(
  gpu: WebGpuBackend,
  what: string,
  inputs: ReadonlyArray<Input>,
  op: (bk: Backend, ts: Tensor[]) => Tensor[],
): Promise<void> {
  const want = await runOn(new CpuBackend(), inputs, op);
  const got = await runOn(gpu, inputs, op);
  assert.deepEqual(got.shapes, want.shapes, `${what}: shapes`);
  want.data.forEach((w, i) => {
    const g = got.data[i]!;
    assert.equal(g.length, w.length, `${what} output ${i}: length`);
    let scale = 1;
    for (const v of w) scale = Math.max(scale, Math.abs(v));
    for (let j = 0; j < w.length; j++) {
      const tol = KERNEL_AGREEMENT_TOL.abs * scale + KERNEL_AGREEMENT_TOL.rel * Math.abs(w[j]!);
      if (!(Math.abs(g[j]! - w[j]!) <= tol)) assert.fail(`${what} output ${i}[${j}]: ${g[j]}, CPU ${w[j]}`);
    }
  });
  assert.equal(gpu.memory.report().live.temporary, 0, `${what}: live bytes after release`);
}

const f32 = (shape: Shape, seed: number, lo = -1, hi = 1): Input => ({
  data: values(shape.reduce((a, b) => a * b, 1), seed, lo, hi),
  shape,
});

/** Every reduction kernel on logits-like x [rows, n] (labels for cross-entropy in [0, n)). */
async function allKernels(gpu: WebGpuBackend, rows: number, n: number): Promise<void> {
  const x = f32([rows, n], 1, -3, 3), dy = f32([rows, n], 2), g = f32([n], 3, 0.5, 1.5), b = f32([n], 4);
  const tag = `[${rows}, ${n}]`;
  await agrees(gpu, `sumRows ${tag}`, [x], (bk, [t]) => [bk.kernels.sumRows(t!)]);
  await agrees(gpu, `softmax ${tag}`, [x], (bk, [t]) => [bk.kernels.softmax(t!)]);
  await agrees(gpu, `softmaxBackward ${tag}`, [f32([rows, n], 5, 0, 2 / n), dy], (bk, [y, d]) => [
    bk.kernels.softmaxBackward(y!, d!),
  ]);
  await agrees(
    gpu,
    `layernorm ${tag}`,
    [x, g, b],
    (bk, [t, gm, bt]) => Object.values(bk.kernels.layernorm(t!, gm!, bt!, 1e-5)),
  );
  await agrees(gpu, `layernormBackward ${tag}`, [x, g, b, dy], (bk, [t, gm, bt, d]) => {
    const fwd = bk.kernels.layernorm(t!, gm!, bt!, 1e-5);
    const grads = bk.kernels.layernormBackward(t!, gm!, fwd.mean, fwd.rstd, d!);
    for (const o of Object.values(fwd)) o.release();
    return Object.values(grads);
  });
  if (rows === 0 || n === 0) return;
  const lab: Input = { data: labels(rows, n, 6), shape: [rows] };
  await agrees(
    gpu,
    `crossEntropy ${tag}`,
    [x, lab],
    (bk, [t, l]) => Object.values(bk.kernels.crossEntropy(t!, l!)),
  );
  await agrees(
    gpu,
    `crossEntropyBackward ${tag}`,
    [f32([rows, n], 7, 0, 2 / n), lab, f32([1], 8, 0.5, 2)],
    (bk, [p, l, d]) => [
      bk.kernels.crossEntropyBackward(p!, l!, d!),
    ],
  );
}

await withWebGpu("row reductions (webgpu)", (make) => {
  test("rows longer than a workgroup (1000 columns) agree with the CPU", async () => {
    const gpu = await make();
    try {
      await allKernels(gpu, 3, 1000);
    } finally {
      gpu.dispose();
    }
  });

  test("70,000 rows (a two-dimensional grid, three levels of column blocks) agree with the CPU", async () => {
    const gpu = await make();
    try {
      await allKernels(gpu, 70_000, 2);
    } finally {
      gpu.dispose();
    }
  });

  test("empty shapes and scalars behave as on the CPU", async () => {
    const gpu = await make();
    try {
      await allKernels(gpu, 0, 3);
      await allKernels(gpu, 4, 0);
      await agrees(gpu, "sumRows []", [f32([], 9)], (bk, [t]) => [bk.kernels.sumRows(t!)]);
      await agrees(gpu, "sumRows [2, 0, 3]", [f32([2, 0, 3], 9)], (bk, [t]) => [bk.kernels.sumRows(t!)]);
      await agrees(gpu, "softmax []", [f32([], 9)], (bk, [t]) => [bk.kernels.softmax(t!)]);
      await agrees(
        gpu,
        "crossEntropy of no rows",
        [f32([0, 3], 9), { data: new Int32Array(0), shape: [0] }],
        (bk, [t, l]) => Object.values(bk.kernels.crossEntropy(t!, l!)),
      );
    } finally {
      gpu.dispose();
    }
  });

  test("column sums over many rows are bit-identical from call to call", async () => {
    const gpu = await make();
    try {
      const x = f32([20_000, 3], 10), g = f32([3], 11), d = f32([20_000, 3], 12);
      const run = () =>
        runOn(gpu, [x, g, d], (bk, [t, gm, dy]) => {
          const mean = bk.kernels.sumRows(t!);
          const ln = bk.kernels.layernorm(t!, gm!, gm!, 1e-5);
          const grads = bk.kernels.layernormBackward(t!, gm!, ln.mean, ln.rstd, dy!);
          for (const o of Object.values(ln)) o.release();
          return [mean, grads.dgamma, grads.dbeta];
        });
      const [a, b] = [await run(), await run()];
      a.data.forEach((v, i) =>
        assert.deepEqual(new Uint32Array(v.buffer), new Uint32Array(b.data[i]!.buffer), `output ${i}`)
      );
    } finally {
      gpu.dispose();
    }
  });
});
