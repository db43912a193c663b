/**
 * Transpose shapes the shared suites' small ones miss: planes crossing the 32×32 tile edges,
 * more tiles than one grid dimension holds, and i32 words that read as NaN payloads as f32,
 * all against the index formula y[..., c, r] = x[..., r, c], bit for bit.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Shape } from "@remat/core";
import { withWebGpu } from "../test_support.ts";

/** The expected transpose of `x` with shape [planes, rows, cols], as raw words. */
function transposed(x: Uint32Array, planes: number, rows: number, cols: number): Uint32Array {
  const y = new Uint32Array(x.length);
  for (let p = 0; p < planes; p++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) y[p * rows * cols + c * rows + r] = x[p * rows * cols + r * cols + c]!;
    }
  }
  return y;
}

await withWebGpu("transpose tiles (webgpu)", (make) => {
  const cases: Array<{ shape: Shape; planes: number; rows: number; cols: number }> = [
    { shape: [33, 65], planes: 1, rows: 33, cols: 65 },
    { shape: [3, 2, 31, 64], planes: 6, rows: 31, cols: 64 },
    { shape: [1, 100], planes: 1, rows: 1, cols: 100 },
    { shape: [70_000, 1, 2], planes: 70_000, rows: 1, cols: 2 },
    { shape: [5], planes: 1, rows: 1, cols: 5 },
  ];
  for (const { shape, planes, rows, cols } of cases) {
    test(`[${shape.join(", ")}] moves every word to its transposed place (f32 and i32)`, async () => {
      const gpu = await make();
      try {
        const n = planes * rows * cols;
        const words = Uint32Array.from({ length: n }, (_, i) => (0x7f800001 + i * 2654435761) >>> 0);
        const f = gpu.upload(new Float32Array(words.buffer), shape, "f32");
        const i = gpu.upload(new Int32Array(words.buffer), shape, "i32");
        const tf = gpu.kernels.transpose(f), ti = gpu.kernels.transpose(i);
        const want = shape.length >= 2 ? [...shape.slice(0, -2), cols, rows] : [...shape];
        assert.deepEqual([...tf.shape], want);
        assert.equal(ti.dtype, "i32");
        const [gf, gi] = await gpu.readMany([tf, ti]);
        const expected = transposed(words, planes, rows, cols);
        assert.deepEqual(new Uint32Array(gf!.buffer), expected, "f32");
        assert.deepEqual(new Uint32Array(gi!.buffer), expected, "i32");
        for (const t of [f, i, tf, ti]) t.release();
      } finally {
        gpu.dispose();
      }
    });
  }
});
