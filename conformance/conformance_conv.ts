/**
 * conv2d against a float64 direct convolution on random shapes and geometries (stride,
 * padding, dilation), and its two backward kernels against central finite differences.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { conv2dShape, type ConvGeometry, type Shape, sizeOf } from "@remat/core";
import {
  assertClose,
  dot,
  GRAD_TOL,
  type MakeBackend,
  numericGrad,
  property,
  Rng,
  seed,
} from "./_harness.ts";

/**
 * y = conv2d(x, w) in float64, NCHW, zero padding: each output summed over its taps (c, i, j)
 * in ascending order, the order the CPU kernel documents.
 *
 * @example
 * ```ts
 * import { conv2dRef } from "@remat/conformance";
 * import { convGeometry } from "@remat/core";
 * const y = conv2dRef(new Float64Array(9).fill(1), [1, 1, 3, 3], new Float64Array(9).fill(1), [1, 1, 3, 3], convGeometry({ padding: 1 }));
 * console.log(y[4]); // 9: the centre output sees all nine taps
 * ```
 */
export function conv2dRef(
  x: Float64Array,
  xs: Shape,
  w: Float64Array,
  ws: Shape,
  g: ConvGeometry,
): Float64Array {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [K, , kh, kw] = ws as [number, number, number, number];
  const [, , Ho, Wo] = conv2dShape(xs, ws, g) as [number, number, number, number];
  const y = new Float64Array(N * K * Ho * Wo);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          let acc = 0;
          for (let c = 0; c < C; c++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const h = oh * g.stride - g.padding + i * g.dilation;
                const v = ow * g.stride - g.padding + j * g.dilation;
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
  return y;
}

/** A conv case: shapes and a geometry whose output is at least 1×1. */
const convCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }),
  C: fc.integer({ min: 1, max: 3 }),
  K: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 7 }),
  W: fc.integer({ min: 1, max: 7 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }),
  padding: fc.integer({ min: 0, max: 2 }),
  dilation: fc.integer({ min: 1, max: 2 }),
}).filter((c) => {
  const out = conv2dShape([c.N, c.C, c.H, c.W], [c.K, c.C, c.kh, c.kw], c);
  return out[2]! >= 1 && out[3]! >= 1;
});

/** Registers the conv2d tests. */
export function convTests(make: MakeBackend): void {
  test("conv2d matches a float64 direct convolution for random stride, padding and dilation", () =>
    property(make, fc.tuple(convCase, seed), async (s, [c, sd]) => {
      const r = new Rng(sd);
      const xs = [c.N, c.C, c.H, c.W], ws = [c.K, c.C, c.kh, c.kw];
      const x = r.shaped(xs), w = r.shaped(ws);
      const y = s.own(s.bk.kernels.conv2d(s.f32(x, xs), s.f32(w, ws), c));
      assert.deepEqual([...y.shape], conv2dShape(xs, ws, c));
      assertClose(await s.read(y), conv2dRef(x, xs, w, ws, c), "conv2d");
    }));

  test("conv2dBackwardInput and conv2dBackwardFilter are the gradients of conv2d in x and w", () =>
    property(make, fc.tuple(convCase, seed), async (s, [c, sd]) => {
      const r = new Rng(sd);
      const xs = [c.N, c.C, c.H, c.W], ws = [c.K, c.C, c.kh, c.kw];
      const ys = conv2dShape(xs, ws, c);
      const x = r.shaped(xs), w = r.shaped(ws), dy = r.values(sizeOf(ys));
      const tdy = s.f32(dy, ys);
      const dx = s.own(s.bk.kernels.conv2dBackwardInput(tdy, s.f32(w, ws), c, xs));
      const dw = s.own(s.bk.kernels.conv2dBackwardFilter(s.f32(x, xs), tdy, c, ws));
      assert.deepEqual([...dx.shape], xs);
      assert.deepEqual([...dw.shape], ws);
      const tol = { ...GRAD_TOL, scaled: true };
      assertClose(
        await s.read(dx),
        numericGrad((z) => dot(conv2dRef(z, xs, w, ws, c), dy), x.slice()),
        "∂x",
        tol,
      );
      assertClose(
        await s.read(dw),
        numericGrad((z) => dot(conv2dRef(x, xs, z, ws, c), dy), w.slice()),
        "∂w",
        tol,
      );
    }));
}
