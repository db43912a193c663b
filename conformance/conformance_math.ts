/**
 * The math kernels for losses and models (sub, div, addScalar, exp, log, sigmoid, abs, binary
 * cross-entropy on logits, sumAxis, broadcastAxis) against float64 formulas, and their
 * backward kernels against central finite differences.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { reducedShape, type Shape, sizeOf } from "@remat/core";
import {
  assertClose,
  dot,
  GRAD_TOL,
  type MakeBackend,
  numericGrad,
  property,
  Rng,
  seed,
  shapeArb,
} from "./_harness.ts";

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const bce = (z: number, t: number) => Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));

/** Σ over `axis` of x viewed as `shape`, in float64. */
function sumAxisRef(x: Float64Array, shape: Shape, axis: number): Float64Array {
  const mid = shape[axis]!, inner = sizeOf(shape.slice(axis + 1)), outer = sizeOf(shape.slice(0, axis));
  const y = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let m = 0; m < mid; m++) {
      for (let i = 0; i < inner; i++) y[o * inner + i] += x[(o * mid + m) * inner + i]!;
    }
  }
  return y;
}

/** Registers the math kernels' forward and backward tests. */
export function mathTests(make: MakeBackend): void {
  const unary = [
    ["exp", Math.exp, -4, 4],
    ["log", Math.log, 0.05, 8],
    ["sigmoid", sigmoid, -30, 30],
    ["abs", Math.abs, -4, 4],
  ] as const;
  for (const [name, f, lo, hi] of unary) {
    test(`${name} matches its float64 formula elementwise`, () =>
      property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
        const xs = new Rng(sd).shaped(shape, lo, hi);
        const y = s.own(s.bk.kernels[name](s.f32(xs, shape)));
        assert.deepEqual([...y.shape], shape, `${name} shape`);
        assertClose(await s.read(y), xs.map(f), name);
      }));
  }

  test("sub, div, addScalar and bceLogits match their float64 formulas elementwise", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const a = r.shaped(shape, -3, 3), b = r.shaped(shape, 0.5, 2), t = r.shaped(shape, 0, 1);
      const ta = s.f32(a, shape), tb = s.f32(b, shape);
      const k = s.bk.kernels;
      assertClose(await s.read(s.own(k.sub(ta, tb))), a.map((v, i) => v - b[i]!), "sub");
      assertClose(await s.read(s.own(k.div(ta, tb))), a.map((v, i) => v / b[i]!), "div");
      assertClose(await s.read(s.own(k.addScalar(ta, -1.25))), a.map((v) => v - 1.25), "addScalar");
      assertClose(
        await s.read(s.own(k.bceLogits(ta, s.f32(t, shape)))),
        a.map((v, i) => bce(v, t[i]!)),
        "bceLogits",
      );
    }));

  test("bceLogits and sigmoid stay finite and exact at logits of ±80", () =>
    property(make, fc.constant(0), async (s) => {
      const z = s.f32([-80, 80], [2]), t = s.f32([1, 0], [2]);
      assertClose(await s.read(s.own(s.bk.kernels.bceLogits(z, t))), [80, 80], "bceLogits tails");
      assertClose(await s.read(s.own(s.bk.kernels.sigmoid(z))), [sigmoid(-80), 1], "sigmoid tails");
    }));

  test("sumAxis sums each axis in float64's result, dropping it ([1] when none is left)", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const x = new Rng(sd).shaped(shape);
      for (let axis = 0; axis < shape.length; axis++) {
        const y = s.own(s.bk.kernels.sumAxis(s.f32(x, shape), axis));
        assert.deepEqual([...y.shape], reducedShape(shape, axis), `sumAxis ${axis} shape`);
        assertClose(await s.read(y), sumAxisRef(x, shape, axis), `sumAxis ${axis}`);
      }
    }));

  test("broadcastAxis is the adjoint of sumAxis (the gradient of Σ sumAxis(x) ⊙ w)", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd), x = r.shaped(shape);
      for (let axis = 0; axis < shape.length; axis++) {
        const w = r.values(sizeOf(reducedShape(shape, axis)));
        const g = s.own(s.bk.kernels.broadcastAxis(s.f32(w, [w.length]), shape, axis));
        assert.deepEqual([...g.shape], shape, `broadcastAxis ${axis} shape`);
        const want = numericGrad((z) => dot(sumAxisRef(z, shape, axis), w), x.slice());
        assertClose(await s.read(g), want, `broadcastAxis ${axis}`, { ...GRAD_TOL, scaled: true });
      }
    }));

  test("sigmoidBackward, absBackward and bceLogitsBackward are the gradients of their forwards", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const x = r.shaped(shape, -4, 4).map((v) => (Math.abs(v) < 1e-2 ? 0.5 : v)), w = r.shaped(shape);
      const t = r.shaped(shape, 0, 1);
      const k = s.bk.kernels, tx = s.f32(x, shape), tw = s.f32(w, shape);
      const grad = (f: (v: number, i: number) => number) => numericGrad((z) => dot(z.map(f), w), x.slice());
      const tol = { ...GRAD_TOL, scaled: true };
      const y = s.own(k.sigmoid(tx));
      assertClose(await s.read(s.own(k.sigmoidBackward(y, tw))), grad(sigmoid), "sigmoidBackward", tol);
      assertClose(await s.read(s.own(k.absBackward(tx, tw))), grad(Math.abs), "absBackward", tol);
      const dz = s.own(k.bceLogitsBackward(tx, s.f32(t, shape), tw));
      assertClose(await s.read(dz), grad((v, i) => bce(v, t[i]!)), "bceLogitsBackward", tol);
    }));

  test("absBackward passes no gradient at x = 0 (the documented subgradient)", () =>
    property(make, fc.constant(0), async (s) => {
      const dx = s.own(s.bk.kernels.absBackward(s.f32([0, -2, 3], [3]), s.f32([5, 5, 5], [3])));
      assertClose(await s.read(dx), [0, -5, 5], "absBackward at 0", { rel: 0, abs: 0 });
    }));
}
