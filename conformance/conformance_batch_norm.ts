/**
 * Batch norm's kernels against float64 formulas (training statistics, inference, the running
 * update) and its backward against central finite differences.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Shape, sizeOf } from "@remat/core";
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

/** Training batch norm in float64: y, the per-channel mean and rstd. */
export function batchNormRef(
  x: Float64Array,
  shape: Shape,
  gamma: Float64Array,
  beta: Float64Array,
  eps: number,
): { y: Float64Array; mean: Float64Array; rstd: Float64Array } {
  const N = shape[0]!, C = shape[1]!, S = sizeOf(shape) / (N * C), M = N * S;
  const y = new Float64Array(x.length), mean = new Float64Array(C), rstd = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0, q = 0;
    for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) s += x[(n * C + c) * S + i]!;
    const mu = s / M;
    for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) q += (x[(n * C + c) * S + i]! - mu) ** 2;
    mean[c] = mu;
    rstd[c] = 1 / Math.sqrt(q / M + eps);
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < S; i++) {
        const at = (n * C + c) * S + i;
        y[at] = (x[at]! - mu) * rstd[c]! * gamma[c]! + beta[c]!;
      }
    }
  }
  return { y, mean, rstd };
}

const bnCase = fc.record({
  shape: fc.oneof(
    fc.tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 3 })),
    fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
    ),
  ).filter((s) => sizeOf(s) / s[1]! >= 2),
  seed,
});

/** Registers the batch norm tests. */
export function batchNormTests(make: MakeBackend): void {
  test("batchNorm matches its float64 formula: y, per-channel mean and rstd, for [N, C] and NCHW", () =>
    property(make, bnCase, async (s, { shape, seed: sd }) => {
      const r = new Rng(sd), C = shape[1]!;
      const x = r.shaped(shape, -2, 3), g = r.values(C, 0.5, 1.5), b = r.values(C);
      const out = s.bk.kernels.batchNorm(s.f32(x, shape), s.f32(g, [C]), s.f32(b, [C]), 1e-5);
      s.own([out.y, out.mean, out.rstd]);
      const want = batchNormRef(x, shape, g, b, 1e-5);
      assertClose(await s.read(out.y), want.y, "batchNorm y");
      assertClose(await s.read(out.mean), want.mean, "batchNorm mean");
      assertClose(await s.read(out.rstd), want.rstd, "batchNorm rstd", { rel: 1e-4, abs: 1e-4 });
    }));

  test("batchNormBackward is the gradient of training batch norm in x, gamma and beta", () =>
    property(make, bnCase, async (s, { shape, seed: sd }) => {
      const r = new Rng(sd), C = shape[1]!;
      const x = r.shaped(shape, -2, 3), g = r.values(C, 0.5, 1.5), b = r.values(C), w = r.shaped(shape);
      const tx = s.f32(x, shape), tg = s.f32(g, [C]);
      const fwd = s.bk.kernels.batchNorm(tx, tg, s.f32(b, [C]), 1e-5);
      s.own([fwd.y, fwd.mean, fwd.rstd]);
      const got = s.bk.kernels.batchNormBackward(tx, tg, fwd.mean, fwd.rstd, s.f32(w, shape));
      s.own([got.dx, got.dgamma, got.dbeta]);
      const loss = (xs: Float64Array, gs: Float64Array, bs: Float64Array) =>
        dot(batchNormRef(xs, shape, gs, bs, 1e-5).y, w);
      const tol = { ...GRAD_TOL, scaled: true };
      assertClose(await s.read(got.dx), numericGrad((z) => loss(z, g, b), x.slice()), "∂x", tol);
      assertClose(await s.read(got.dgamma), numericGrad((z) => loss(x, z, b), g.slice()), "∂γ", tol);
      assertClose(await s.read(got.dbeta), numericGrad((z) => loss(x, g, z), b.slice()), "∂β", tol);
    }));

  test("batchNormInference normalises with the running statistics; batchNormUpdate moves them in place", () =>
    property(make, bnCase, async (s, { shape, seed: sd }) => {
      const r = new Rng(sd), C = shape[1]!, eps = 1e-5, m = 0.1;
      const x = r.shaped(shape, -2, 3), g = r.values(C, 0.5, 1.5), b = r.values(C);
      const rm = r.values(C), rv = r.values(C, 0.5, 2);
      const [tg, tb, trm, trv] = [s.f32(g, [C]), s.f32(b, [C]), s.f32(rm, [C]), s.f32(rv, [C])];
      const y = s.own(s.bk.kernels.batchNormInference(s.f32(x, shape), tg, tb, trm, trv, eps));
      const S = sizeOf(shape) / (shape[0]! * C);
      const want = x.map((v, at) => {
        const c = Math.floor(at / S) % C;
        return (v - rm[c]!) / Math.sqrt(rv[c]! + eps) * g[c]! + b[c]!;
      });
      assertClose(await s.read(y), want, "batchNormInference");
      const fwd = s.bk.kernels.batchNorm(s.f32(x, shape), tg, tb, eps);
      s.own([fwd.y, fwd.mean, fwd.rstd]);
      const count = sizeOf(shape) / C;
      s.bk.kernels.batchNormUpdate(trm, trv, fwd.mean, fwd.rstd, { eps, momentum: m, count });
      const ref = batchNormRef(x, shape, g, b, eps);
      const variance = (c: number) => (1 / ref.rstd[c]! ** 2 - eps) * count / (count - 1);
      assertClose(await s.read(trm), rm.map((v, c) => (1 - m) * v + m * ref.mean[c]!), "running mean");
      assertClose(await s.read(trv), rv.map((v, c) => (1 - m) * v + m * variance(c)), "running var", {
        rel: 1e-4,
        abs: 1e-4,
      });
      assert.equal(trm.size, C);
    }));
}
