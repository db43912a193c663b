/**
 * Backward kernels against central finite differences of the float64 host forward: each
 * must return the true gradient of Σ forward(x) ⊙ w for a random cotangent w.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { sizeOf } from "@remat/core";
import {
  assertClose,
  attentionDims,
  dim,
  dot,
  GRAD_TOL,
  last,
  type MakeBackend,
  numericGrad,
  property,
  Rng,
  seed,
  shapeArb,
} from "./_harness.ts";
import * as ref from "./host_reference.ts";

/** Compares a kernel gradient with the finite-difference gradient of `loss` at `x`. */
function assertGrad(
  got: Float64Array,
  loss: (x: Float64Array) => number,
  x: Float64Array,
  what: string,
): void {
  assertClose(got, numericGrad(loss, x.slice()), what, { ...GRAD_TOL, scaled: true });
}

/** Pushes values away from a kink at 0 so central differences are exact there. */
function awayFromZero(xs: Float64Array): Float64Array {
  return xs.map((v) => (Math.abs(v) < 1e-2 ? 0.5 : v));
}

/** Registers the backward tests. */
export function backwardTests(make: MakeBackend): void {
  test("reluBackward is the gradient of relu", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const x = awayFromZero(r.shaped(shape)), w = r.shaped(shape);
      const dx = s.own(s.bk.kernels.reluBackward(s.f32(x, shape), s.f32(w, shape)));
      assertGrad(await s.read(dx), (z) => dot(z.map((v) => Math.max(v, 0)), w), x, "reluBackward");
    }));

  test("reluBackward passes no gradient at x = 0 (the documented subgradient)", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const x = r.shaped(shape).map((v, i) => (i % 3 === 0 ? 0 : v)), w = r.shaped(shape);
      const dx = s.own(s.bk.kernels.reluBackward(s.f32(x, shape), s.f32(w, shape)));
      assertClose(await s.read(dx), x.map((v, i) => (v > 0 ? w[i] : 0)), "reluBackward", { rel: 0, abs: 0 });
    }));

  test("geluBackward is the gradient of gelu", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const x = r.shaped(shape, -4, 4), w = r.shaped(shape);
      const dx = s.own(s.bk.kernels.geluBackward(s.f32(x, shape), s.f32(w, shape)));
      assertGrad(await s.read(dx), (z) => dot(z.map(ref.geluRef), w), x, "geluBackward");
    }));

  test("tanhBackward is the gradient of tanh from its output", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const x = r.shaped(shape, -2, 2), w = r.shaped(shape);
      const y = s.own(s.bk.kernels.tanh(s.f32(x, shape)));
      const dx = s.own(s.bk.kernels.tanhBackward(y, s.f32(w, shape)));
      assertGrad(await s.read(dx), (z) => dot(z.map(Math.tanh), w), x, "tanhBackward");
    }));

  test("softmaxBackward is the gradient of softmax from its output", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const x = r.shaped(shape, -3, 3), w = r.shaped(shape);
      const y = s.own(s.bk.kernels.softmax(s.f32(x, shape)));
      const dx = s.own(s.bk.kernels.softmaxBackward(y, s.f32(w, shape)));
      assertGrad(await s.read(dx), (z) => dot(ref.softmaxRef(z, last(shape)), w), x, "softmaxBackward");
    }));

  test("layernormBackward is the gradient of layernorm in x, gamma and beta", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd), n = last(shape), eps = 1e-5;
      const x = r.shaped(shape), g = r.values(n, 0.5, 1.5), b = r.values(n), w = r.shaped(shape);
      const tx = s.f32(x, shape), tg = s.f32(g, [n]);
      const fwd = s.bk.kernels.layernorm(tx, tg, s.f32(b, [n]), eps);
      s.own([fwd.y, fwd.mean, fwd.rstd]);
      const got = s.bk.kernels.layernormBackward(tx, tg, fwd.mean, fwd.rstd, s.f32(w, shape));
      s.own([got.dx, got.dgamma, got.dbeta]);
      assert.deepEqual([...got.dgamma.shape], [n], "layernormBackward dgamma shape");
      assert.deepEqual([...got.dbeta.shape], [n], "layernormBackward dbeta shape");
      const loss = (xs: Float64Array, gs: Float64Array, bs: Float64Array) =>
        dot(ref.layernormRef(xs, gs, bs, eps).y, w);
      assertGrad(await s.read(got.dx), (z) => loss(z, g, b), x, "layernormBackward dx");
      assertGrad(await s.read(got.dgamma), (z) => loss(x, z, b), g, "layernormBackward dgamma");
      assertGrad(await s.read(got.dbeta), (z) => loss(x, g, z), b, "layernormBackward dbeta");
    }));

  test("embeddingBackward is the gradient of embedding in the table", () =>
    property(make, fc.tuple(shapeArb(1, 2), dim, dim, seed), async (s, [idShape, V, D, sd]) => {
      const r = new Rng(sd), P = sizeOf(idShape);
      const ids = r.ints(P, V), table = r.values(V * D), w = r.values(P * D);
      const dt = s.own(s.bk.kernels.embeddingBackward(s.i32(ids, idShape), s.f32(w, [...idShape, D]), V));
      assert.deepEqual([...dt.shape], [V, D], "embeddingBackward shape");
      assertGrad(await s.read(dt), (z) => dot(ref.embeddingRef(ids, z, D), w), table, "embeddingBackward");
    }));

  test("dropoutBackward is the gradient of dropout under the same key", () =>
    property(
      make,
      fc.tuple(shapeArb(1, 3), seed, fc.constantFrom(0, 0.25, 0.5), fc.nat()),
      async (s, [shape, sd, p, key]) => {
        const r = new Rng(sd);
        const x = r.shaped(shape), w = r.shaped(shape);
        const dx = s.own(s.bk.kernels.dropoutBackward(s.f32(w, shape), p, key));
        assertGrad(await s.read(dx), (z) => dot(ref.dropoutRef(z, p, key), w), x, "dropoutBackward");
      },
    ));

  test("attentionBackward is the gradient of attention in q, k and v", () =>
    property(make, fc.tuple(attentionDims, seed), async (s, [dims, sd]) => {
      const { B, T, D, heads, causal } = dims;
      const r = new Rng(sd), shape = [B, T, D];
      const q = r.shaped(shape), k = r.shaped(shape), v = r.shaped(shape), w = r.shaped(shape);
      const tq = s.f32(q, shape), tk = s.f32(k, shape), tv = s.f32(v, shape);
      const fwd = s.bk.kernels.attention(tq, tk, tv, heads, causal);
      s.own([fwd.out, fwd.probs]);
      const got = s.bk.kernels.attentionBackward(tq, tk, tv, fwd.probs, s.f32(w, shape), heads);
      s.own([got.dq, got.dk, got.dv]);
      const loss = (a: Float64Array, b: Float64Array, c: Float64Array) =>
        dot(ref.attentionRef(a, b, c, dims).out, w);
      assertGrad(await s.read(got.dq), (z) => loss(z, k, v), q, "attentionBackward dq");
      assertGrad(await s.read(got.dk), (z) => loss(q, z, v), k, "attentionBackward dk");
      assertGrad(await s.read(got.dv), (z) => loss(q, k, z), v, "attentionBackward dv");
    }));

  test("crossEntropyBackward is the gradient of the mean loss scaled by dloss", () =>
    property(make, fc.tuple(dim, dim, seed), async (s, [N, C, sd]) => {
      const r = new Rng(sd);
      const logits = r.values(N * C, -3, 3), labels = r.ints(N, C), w = r.values(1, 0.5, 2);
      const fwd = s.bk.kernels.crossEntropy(s.f32(logits, [N, C]), s.i32(labels, [N]));
      s.own([fwd.loss, fwd.probs]);
      const dl = s.own(s.bk.kernels.crossEntropyBackward(fwd.probs, s.i32(labels, [N]), s.f32(w, [1])));
      assert.deepEqual([...dl.shape], [N, C], "crossEntropyBackward shape");
      assertGrad(
        await s.read(dl),
        (z) => w[0] * ref.crossEntropyRef(z, labels, C).loss,
        logits,
        "crossEntropyBackward",
      );
    }));

  test("reluBackward and geluBackward in place: the out-of-place bits, written over dy's buffer", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const x = s.f32(r.shaped(shape, -3, 3).map((v, i) => (i % 5 === 0 ? 0 : v)), shape);
      for (const kernel of ["reluBackward", "geluBackward"] as const) {
        const dy = s.f32(r.shaped(shape), shape);
        const dyBits = await s.bits(dy);
        const fresh = s.own(s.bk.kernels[kernel](x, dy));
        assert.deepEqual(await s.bits(dy), dyBits, `${kernel}: dy is left as it was unless in place`);
        const refsBefore = dy.storage.refs;
        const overwritten = s.own(s.bk.kernels[kernel](x, dy, true));
        assert.equal(overwritten.storage, dy.storage, `${kernel} in place: the result is dy's buffer`);
        assert.equal(dy.storage.refs, refsBefore + 1, `${kernel} in place: a new reference to it`);
        assert.deepEqual(await s.bits(overwritten), await s.bits(fresh), `${kernel} in place: same bits`);
      }
    }));
}
