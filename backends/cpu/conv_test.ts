import assert from "node:assert/strict";
import { test } from "node:test";
import { type ConvGeometry, convGeometry } from "@remat/core";
import { CpuBackend, f32 } from "./cpu_backend.ts";
import { convKernels } from "./conv.ts";

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}

/** y[n,k,oh,ow] one element at a time, taps (c, i, j) ascending, in float64: the documented order. */
function referenceConv(
  x: Float32Array,
  w: Float32Array,
  [N, C, H, W]: number[],
  [K, , kh, kw]: number[],
  g: ConvGeometry,
): { y: Float32Array; Ho: number; Wo: number } {
  const { stride: s, padding: p, dilation: d } = g;
  const Ho = Math.floor((H + 2 * p - d * (kh - 1) - 1) / s) + 1;
  const Wo = Math.floor((W + 2 * p - d * (kw - 1) - 1) / s) + 1;
  const y = new Float32Array(N * K * Ho * Wo);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          let acc = 0;
          for (let c = 0; c < C; c++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const h = oh * s - p + i * d, v = ow * s - p + j * d;
                if (h >= 0 && h < H && v >= 0 && v < W) {
                  acc += x[((n * C + c) * H + h) * W + v]! * w[((k * C + c) * kh + i) * kw + j]!;
                }
              }
            }
          }
          y[((n * K + k) * Ho + oh) * Wo + ow] = acc;
        }
      }
    }
  }
  return { y, Ho, Wo };
}

test("conv2d sums each output's taps in the documented order: bit-identical to a per-element loop", () => {
  const bk = new CpuBackend();
  const { conv2d } = convKernels(bk);
  const geometries = [
    { stride: 1, padding: 1, dilation: 1 },
    { stride: 2, padding: 1, dilation: 1 },
    { stride: 3, padding: 2, dilation: 2 },
    { stride: 1, padding: 0, dilation: 3 },
  ];
  for (const [index, geometry] of geometries.entries()) {
    const g = convGeometry(geometry);
    const xShape = [2, 3, 9, 7], wShape = [4, 3, 3, 3];
    const x = bk.upload(values(2 * 3 * 9 * 7, 11 + index), xShape, "f32");
    const w = bk.upload(values(4 * 3 * 3 * 3, 29 + index), wShape, "f32");
    const got = conv2d(x, w, g);
    const want = referenceConv(f32(x), f32(w), xShape, wShape, g);
    assert.deepEqual(got.shape, [2, 4, want.Ho, want.Wo]);
    assert.deepEqual(
      new Uint32Array(f32(got).slice().buffer),
      new Uint32Array(want.y.buffer),
      `geometry ${JSON.stringify(geometry)}`,
    );
  }
});
