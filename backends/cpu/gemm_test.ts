import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { gemm, type GemmShape } from "./gemm.ts";
import { gemmJs } from "./gemm/js_kernel.ts";
import { wasmGemmAvailable } from "./gemm/wasm_kernel.ts";

type Gemm = typeof gemm;

/** Both kernels: the public entry (WebAssembly where available) and the pure-JS fallback. */
const kernels: [string, Gemm][] = [["gemm", gemm], ["gemmJs", gemmJs]];

/** Uniform values in [-1, 1) from a seeded LCG, so a shrunk counterexample replays exactly. */
function random(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Largest error of c against a float64 reference, relative to Σ_p |a_ip·b_pj| (the scale f32
 * rounding errors are proportional to, which stays meaningful under cancellation).
 */
function relError(a: Float32Array, b: Float32Array, c: Float32Array, s: GemmShape): number {
  const { m, n, k, transA, transB } = s;
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let scale = 0;
      for (let p = 0; p < k; p++) {
        const prod = (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
        sum += prod;
        scale += Math.abs(prod);
      }
      const err = Math.abs(c[i * n + j] - sum) / Math.max(scale, 1e-30);
      if (Number.isNaN(err)) return err;
      worst = Math.max(worst, err);
    }
  }
  return worst;
}

const shapeArb = (maxDim: number, minK = 1, maxK = maxDim) =>
  fc.record({
    m: fc.integer({ min: 1, max: maxDim }),
    n: fc.integer({ min: 1, max: maxDim }),
    k: fc.integer({ min: minK, max: maxK }),
    transA: fc.boolean(),
    transB: fc.boolean(),
    seed: fc.integer(),
  });

function checkAccuracy(kernel: Gemm, s: GemmShape & { seed: number }): void {
  const a = random(s.m * s.k, s.seed);
  const b = random(s.k * s.n, s.seed ^ 0x5bd1e995);
  const c = new Float32Array(s.m * s.n).fill(Number.NaN);
  kernel(a, b, c, s);
  const err = relError(a, b, c, s);
  assert.ok(err <= 1e-5 * Math.sqrt(s.k), `relative error ${err} for ${JSON.stringify(s)}`);
}

test("the WebAssembly SIMD kernel is available under this runtime", () => {
  assert.ok(wasmGemmAvailable);
});

for (const [name, kernel] of kernels) {
  test(`${name}: random shapes 1..70, all transpose combos, match a float64 reference`, () => {
    fc.assert(fc.property(shapeArb(70), (s) => checkAccuracy(kernel, s)), { numRuns: 300 });
  });

  test(`${name}: shapes spanning several k, row and column blocks stay accurate`, () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 60, max: 140 }),
          n: fc.integer({ min: 500, max: 1100 }),
          k: fc.integer({ min: 250, max: 600 }),
          transA: fc.boolean(),
          transB: fc.boolean(),
          seed: fc.integer(),
        }),
        (s) => checkAccuracy(kernel, s),
      ),
      { numRuns: 6 },
    );
  });

  test(`${name}: deterministic, bit-identical across calls and unaffected by other calls`, () => {
    fc.assert(
      fc.property(shapeArb(70, 1, 600), shapeArb(40), (s, other) => {
        const a = random(s.m * s.k, s.seed);
        const b = random(s.k * s.n, ~s.seed);
        const c1 = new Float32Array(s.m * s.n);
        const c2 = new Float32Array(s.m * s.n).fill(7);
        kernel(a, b, c1, s);
        // A different call in between must leave no state that changes the next result.
        kernel(
          random(other.m * other.k, 1),
          random(other.k * other.n, 2),
          new Float32Array(other.m * other.n),
          other,
        );
        kernel(a, b, c2, s);
        assert.deepEqual(new Uint32Array(c2.buffer), new Uint32Array(c1.buffer));
      }),
      { numRuns: 100 },
    );
  });

  test(`${name}: c is overwritten, whatever it held`, () => {
    fc.assert(
      fc.property(shapeArb(40), fc.constantFrom(Number.NaN, Infinity, -1e30, 3), (s, garbage) => {
        const a = random(s.m * s.k, s.seed);
        const b = random(s.k * s.n, s.seed + 1);
        const clean = new Float32Array(s.m * s.n);
        const dirty = new Float32Array(s.m * s.n).fill(garbage);
        kernel(a, b, clean, s);
        kernel(a, b, dirty, s);
        assert.deepEqual(new Uint32Array(dirty.buffer), new Uint32Array(clean.buffer));
      }),
      { numRuns: 100 },
    );
  });

  test(`${name}: exact on small integers, including 1×1×1 and vector shapes`, () => {
    for (const [m, n, k] of [[1, 1, 1], [1, 37, 5], [29, 1, 3], [3, 4, 1], [1, 1, 300], [2, 17, 2]]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const s = { m, n, k, transA, transB };
          const a = Float32Array.from(random(m * k, m + k), (x) => Math.round(x * 8));
          const b = Float32Array.from(random(k * n, n - k), (x) => Math.round(x * 8));
          const c = new Float32Array(m * n).fill(Number.NaN);
          kernel(a, b, c, s);
          assert.equal(relError(a, b, c, s), 0, JSON.stringify(s));
        }
      }
    }
  });
}

test("gemm: k = 0 gives zeros", () => {
  const c = new Float32Array(6).fill(Number.NaN);
  gemm(new Float32Array(0), new Float32Array(0), c, { m: 2, n: 3, k: 0, transA: false, transB: false });
  assert.deepEqual(c, new Float32Array(6));
});
