/**
 * Max and average pooling against float64 window scans on random shapes and geometries, and
 * their backwards against central finite differences.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { pool2dShape, type PoolGeometry, type Shape, sizeOf } from "@remat/core";
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

/** y = max or mean over each window, float64, NCHW (padded zeros count in the mean, never in the max). */
export function pool2dRef(x: Float64Array, xs: Shape, g: PoolGeometry, kind: "max" | "avg"): Float64Array {
  const [N, C, H, W] = xs as [number, number, number, number];
  const [, , Ho, Wo] = pool2dShape(xs, g) as [number, number, number, number];
  const y = new Float64Array(N * C * Ho * Wo);
  for (let plane = 0; plane < N * C; plane++) {
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const vals: number[] = [];
        for (let i = 0; i < g.kernel; i++) {
          for (let j = 0; j < g.kernel; j++) {
            const h = oh * g.stride - g.padding + i, v = ow * g.stride - g.padding + j;
            if (h >= 0 && h < H && v >= 0 && v < W) vals.push(x[(plane * H + h) * W + v]!);
          }
        }
        y[(plane * Ho + oh) * Wo + ow] = kind === "max"
          ? Math.max(...vals)
          : vals.reduce((p, q) => p + q, 0) / (g.kernel * g.kernel);
      }
    }
  }
  return y;
}

const poolCase = fc.record({
  N: fc.integer({ min: 1, max: 2 }),
  C: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 7 }),
  W: fc.integer({ min: 1, max: 7 }),
  kernel: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 3 }),
  padding: fc.integer({ min: 0, max: 1 }),
}).filter((c) => {
  const out = pool2dShape([c.N, c.C, c.H, c.W], c);
  return 2 * c.padding <= c.kernel && out[2]! >= 1 && out[3]! >= 1;
});

/** Registers the pooling tests. */
export function poolTests(make: MakeBackend): void {
  test("maxPool2d and avgPool2d match float64 window scans; argmax points at each window's maximum", () =>
    property(make, fc.tuple(poolCase, seed), async (s, [c, sd]) => {
      const xs = [c.N, c.C, c.H, c.W], x = new Rng(sd).shaped(xs);
      const tx = s.f32(x, xs);
      const { y, argmax } = s.bk.kernels.maxPool2d(tx, c);
      s.own([y, argmax]);
      assert.deepEqual([...y.shape], pool2dShape(xs, c));
      assert.equal(argmax.dtype, "i32");
      const want = pool2dRef(x, xs, c, "max");
      assertClose(await s.read(y), want, "maxPool2d");
      const at = await s.read(argmax), plane = c.H * c.W, out = want.length / (c.N * c.C);
      at.forEach((a, o) => assert.equal(x[Math.floor(o / out) * plane + a!], want[o], `argmax ${o}`));
      assertClose(
        await s.read(s.own(s.bk.kernels.avgPool2d(tx, c))),
        pool2dRef(x, xs, c, "avg"),
        "avgPool2d",
      );
    }));

  test("maxPool2dBackward and avgPool2dBackward are the gradients of their forwards", () =>
    property(make, fc.tuple(poolCase, seed), async (s, [c, sd]) => {
      const r = new Rng(sd), xs = [c.N, c.C, c.H, c.W], ys = pool2dShape(xs, c);
      const x = r.shaped(xs), dy = r.values(sizeOf(ys));
      const tx = s.f32(x, xs), tdy = s.f32(dy, ys);
      const { y, argmax } = s.bk.kernels.maxPool2d(tx, c);
      s.own([y, argmax]);
      const tol = { ...GRAD_TOL, scaled: true };
      const dmax = s.own(s.bk.kernels.maxPool2dBackward(tdy, argmax, c, xs));
      const davg = s.own(s.bk.kernels.avgPool2dBackward(tdy, c, xs));
      assertClose(
        await s.read(dmax),
        numericGrad((z) => dot(pool2dRef(z, xs, c, "max"), dy), x.slice()),
        "∂max",
        tol,
      );
      assertClose(
        await s.read(davg),
        numericGrad((z) => dot(pool2dRef(z, xs, c, "avg"), dy), x.slice()),
        "∂avg",
        tol,
      );
    }));
}
