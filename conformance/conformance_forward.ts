/**
 * Forward kernels against float64 host computations on random small shapes.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { sizeOf, type Tensor } from "@remat/core";
import {
  assertClose,
  attentionDims,
  dim,
  last,
  type MakeBackend,
  property,
  Rng,
  type Scope,
  seed,
  shapeArb,
} from "./_harness.ts";
import * as ref from "./host_reference.ts";

/** Asserts a tensor's shape. */
function assertShape(t: Tensor, shape: ReadonlyArray<number>, what: string): void {
  assert.deepEqual([...t.shape], [...shape], `${what}: shape [${t.shape}], expected [${shape}]`);
}

/** A one-input elementwise kernel against a float64 map. */
function unary(
  make: MakeBackend,
  name: "relu" | "gelu" | "tanh",
  f: (x: number) => number,
): void {
  test(`${name} matches its float64 formula elementwise`, () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const xs = new Rng(sd).shaped(shape, -4, 4);
      const y = s.own(s.bk.kernels[name](s.f32(xs, shape)));
      assertShape(y, shape, name);
      assertClose(await s.read(y), xs.map(f), name);
    }));
}

/** A two-input elementwise kernel against a float64 combination. */
function binary(make: MakeBackend, name: "add" | "mul", f: (a: number, b: number) => number): void {
  test(`${name} matches its float64 formula elementwise`, () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const a = r.shaped(shape), b = r.shaped(shape);
      const c = s.own(s.bk.kernels[name](s.f32(a, shape), s.f32(b, shape)));
      assertShape(c, shape, name);
      assertClose(await s.read(c), a.map((v, i) => f(v, b[i])), name);
    }));
}

/** Uploads the operands of op(a)·op(b) in their stored layouts. */
function matmulOperands(s: Scope, r: Rng, m: number, n: number, k: number, tA: boolean, tB: boolean) {
  const a = r.values(m * k), b = r.values(k * n);
  return {
    a,
    b,
    ta: s.f32(a, tA ? [k, m] : [m, k]),
    tb: s.f32(b, tB ? [n, k] : [k, n]),
  };
}

/** Registers the forward tests. */
export function forwardTests(make: MakeBackend): void {
  test("matmul matches a float64 product for every transA/transB", () =>
    property(make, fc.tuple(dim, dim, dim, seed), async (s, [m, n, k, sd]) => {
      const r = new Rng(sd);
      for (const tA of [false, true]) {
        for (const tB of [false, true]) {
          const { a, b, ta, tb } = matmulOperands(s, r, m, n, k, tA, tB);
          const c = s.own(s.bk.kernels.matmul(ta, tb, { transA: tA, transB: tB }));
          assertShape(c, [m, n], `matmul transA=${tA} transB=${tB}`);
          assertClose(
            await s.read(c),
            ref.matmulRef(a, b, m, n, k, tA, tB),
            `matmul transA=${tA} transB=${tB}`,
          );
        }
      }
    }));

  binary(make, "add", (a, b) => a + b);
  binary(make, "mul", (a, b) => a * b);

  test("scale multiplies every element by s", () =>
    property(
      make,
      fc.tuple(shapeArb(1, 3), seed, fc.double({ min: -3, max: 3, noNaN: true })),
      async (s, [shape, sd, k]) => {
        const xs = new Rng(sd).shaped(shape);
        const y = s.own(s.bk.kernels.scale(s.f32(xs, shape), k));
        assertShape(y, shape, "scale");
        assertClose(await s.read(y), xs.map((v) => k * v), "scale");
      },
    ));

  unary(make, "relu", (x) => Math.max(x, 0));
  unary(make, "gelu", ref.geluRef);
  unary(make, "tanh", Math.tanh);

  test("biasAdd adds the bias to every row", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const r = new Rng(sd);
      const xs = r.shaped(shape), bias = r.values(last(shape));
      const y = s.own(s.bk.kernels.biasAdd(s.f32(xs, shape), s.f32(bias, [bias.length])));
      assertShape(y, shape, "biasAdd");
      assertClose(await s.read(y), ref.biasAddRef(xs, bias), "biasAdd");
    }));

  test("sumRows sums over every leading row", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const xs = new Rng(sd).shaped(shape);
      const y = s.own(s.bk.kernels.sumRows(s.f32(xs, shape)));
      assertShape(y, [last(shape)], "sumRows");
      assertClose(await s.read(y), ref.sumRowsRef(xs, last(shape)), "sumRows");
    }));

  test("transpose swaps the last two dimensions", () =>
    property(make, fc.tuple(shapeArb(2, 3), seed), async (s, [shape, sd]) => {
      const xs = new Rng(sd).shaped(shape);
      const [R, C] = shape.slice(-2);
      const y = s.own(s.bk.kernels.transpose(s.f32(xs, shape)));
      assertShape(y, [...shape.slice(0, -2), C, R], "transpose");
      assertClose(await s.read(y), ref.transposeRef(xs, R, C), "transpose", { rel: 0, abs: 0 });
    }));

  test("softmax normalises the exponentials of each last-dimension row", () =>
    property(make, fc.tuple(shapeArb(1, 3), seed), async (s, [shape, sd]) => {
      const xs = new Rng(sd).shaped(shape, -3, 3);
      const y = s.own(s.bk.kernels.softmax(s.f32(xs, shape)));
      assertShape(y, shape, "softmax");
      assertClose(await s.read(y), ref.softmaxRef(xs, last(shape)), "softmax");
    }));

  test("layernorm normalises rows and returns their mean and rstd", () =>
    property(
      make,
      fc.tuple(shapeArb(1, 3), seed, fc.constantFrom(1e-5, 1e-3)),
      async (s, [shape, sd, eps]) => {
        const r = new Rng(sd), n = last(shape), rows = xsRows(shape);
        const xs = r.shaped(shape), g = r.values(n, 0.5, 1.5), b = r.values(n);
        const out = s.bk.kernels.layernorm(s.f32(xs, shape), s.f32(g, [n]), s.f32(b, [n]), eps);
        s.own([out.y, out.mean, out.rstd]);
        const want = ref.layernormRef(xs, g, b, eps);
        assertShape(out.y, shape, "layernorm y");
        assertShape(out.mean, [rows], "layernorm mean");
        assertShape(out.rstd, [rows], "layernorm rstd");
        assertClose(await s.read(out.y), want.y, "layernorm y", { rel: 1e-4, abs: 1e-4 });
        assertClose(await s.read(out.mean), want.mean, "layernorm mean");
        assertClose(await s.read(out.rstd), want.rstd, "layernorm rstd");
      },
    ));

  test("embedding gathers table rows by id", () =>
    property(make, fc.tuple(shapeArb(1, 2), dim, dim, seed), async (s, [idShape, V, D, sd]) => {
      const r = new Rng(sd);
      const ids = r.ints(sizeOf(idShape), V), table = r.values(V * D);
      const y = s.own(s.bk.kernels.embedding(s.i32(ids, idShape), s.f32(table, [V, D])));
      assertShape(y, [...idShape, D], "embedding");
      assertClose(await s.read(y), ref.embeddingRef(ids, table, D), "embedding", { rel: 0, abs: 0 });
    }));

  test("attention matches softmax(q·kᵀ/√dh + mask)·v per head", () =>
    property(make, fc.tuple(attentionDims, seed), async (s, [dims, sd]) => {
      const { B, T, D, heads, causal } = dims;
      const r = new Rng(sd), shape = [B, T, D];
      const q = r.shaped(shape), k = r.shaped(shape), v = r.shaped(shape);
      const got = s.bk.kernels.attention(s.f32(q, shape), s.f32(k, shape), s.f32(v, shape), heads, causal);
      s.own([got.out, got.probs]);
      const want = ref.attentionRef(q, k, v, dims);
      assertShape(got.out, shape, "attention out");
      assertShape(got.probs, [B, heads, T, T], "attention probs");
      assertClose(await s.read(got.out), want.out, "attention out");
      const probs = await s.read(got.probs);
      assertClose(probs, want.probs, "attention probs");
      // attentionBackward has no causal flag: masked probabilities must be exactly zero
      for (let i = 0; i < probs.length; i++) {
        if (want.probs[i] === 0 && causal) assert.equal(probs[i], 0, `attention probs: masked element ${i}`);
      }
    }));

  test("crossEntropy returns the mean loss [1] and the softmax probabilities", () =>
    property(make, fc.tuple(dim, dim, seed), async (s, [N, C, sd]) => {
      const r = new Rng(sd);
      const logits = r.values(N * C, -3, 3), labels = r.ints(N, C);
      const got = s.bk.kernels.crossEntropy(s.f32(logits, [N, C]), s.i32(labels, [N]));
      s.own([got.loss, got.probs]);
      const want = ref.crossEntropyRef(logits, labels, C);
      assertShape(got.loss, [1], "crossEntropy loss");
      assertShape(got.probs, [N, C], "crossEntropy probs");
      assertClose(await s.read(got.loss), [want.loss], "crossEntropy loss");
      assertClose(await s.read(got.probs), want.probs, "crossEntropy probs");
    }));

  test("crossEntropy's loss is NaN when a label lies outside [0, C), never another row's logit", () =>
    property(
      make,
      fc.tuple(fc.integer({ min: 2, max: 6 }), dim, seed, fc.boolean()),
      async (s, [N, C, sd, low]) => {
        const r = new Rng(sd);
        const labels = r.ints(N, C);
        labels[0] = low ? -1 : C; // C would read row 1's first logit if unchecked
        const got = s.bk.kernels.crossEntropy(s.f32(r.values(N * C, -3, 3), [N, C]), s.i32(labels, [N]));
        s.own([got.loss, got.probs]);
        const [loss] = await s.read(got.loss);
        assert.ok(
          Number.isNaN(loss),
          `crossEntropy with label ${labels[0]} of ${C} classes: loss ${loss}, expected NaN`,
        );
      },
    ));
}

/** Rows of a shape's last dimension. */
function xsRows(shape: ReadonlyArray<number>): number {
  return sizeOf(shape) / last(shape);
}
