/**
 * Shared machinery of the kernel conformance suite: a per-run tensor scope that releases
 * everything and checks the accountant returns to zero, seeded host data, closeness
 * assertions and central finite differences.
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type Backend, type MemoryKind, type Shape, sizeOf, type Tensor } from "@remat/core";

/** Builds a backend for one test. */
export type MakeBackend = () => Backend | Promise<Backend>;

/** Number of fast-check runs per property: enough to vary shapes, small enough to be fast. */
export const RUNS = 15;

/** Forward tolerance: f32 kernels against a float64 host computation. */
export const FORWARD_TOL = { rel: 1e-4, abs: 1e-5 } as const;

/**
 * Backward tolerance: f32 kernels against float64 central differences (abs scaled by the
 * largest gradient magnitude). Central differences of the float64 reference are accurate
 * to ~1e-9, so this only has to absorb f32 rounding of the kernel.
 */
export const GRAD_TOL = { rel: 1e-3, abs: 1e-4 } as const;

/** Tracks the tensors a test creates so that every one is released. */
export class Scope {
  readonly #held: Tensor[] = [];
  constructor(readonly bk: Backend) {}

  /** Adopts a tensor (or several) for release at the end. */
  own<T extends Tensor | ReadonlyArray<Tensor>>(t: T): T {
    if (Array.isArray(t)) { for (const x of t) this.#held.push(x); }
    else this.#held.push(t as Tensor);
    return t;
  }

  /** Uploads f32 data (float64 values are rounded to f32). */
  f32(data: ArrayLike<number>, shape: Shape): Tensor {
    return this.own(this.bk.upload(Float32Array.from(data), shape, "f32"));
  }

  /** Uploads i32 data. */
  i32(data: ArrayLike<number>, shape: Shape): Tensor {
    return this.own(this.bk.upload(Int32Array.from(data), shape, "i32"));
  }

  /** Reads a tensor as float64 values. */
  async read(t: Tensor): Promise<Float64Array> {
    return Float64Array.from(await this.bk.read(t));
  }

  /** Reads a tensor's raw bits, for bit-identity checks. */
  async bits(t: Tensor): Promise<Uint32Array> {
    const a = await this.bk.read(t);
    return new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  }

  /** Releases everything adopted, in reverse order. */
  releaseAll(): void {
    while (this.#held.length > 0) this.#held.pop()!.release();
  }
}

/**
 * Runs `body` on a fresh backend, once per call; after each `scoped` block every tensor
 * it adopted is released and the accountant must show zero live bytes of every kind.
 */
export async function withBackend(
  make: MakeBackend,
  body: (scoped: <R>(f: (s: Scope) => Promise<R>) => Promise<R>) => Promise<void>,
): Promise<void> {
  const bk = await make();
  try {
    await body(async (f) => {
      const s = new Scope(bk);
      let result;
      try {
        result = await f(s);
      } finally {
        s.releaseAll();
      }
      await bk.flush();
      assertNoLiveBytes(bk);
      return result;
    });
  } finally {
    bk.dispose();
  }
}

/** Asserts the backend's accountant holds no live bytes. */
export function assertNoLiveBytes(bk: Backend): void {
  const r = bk.memory.report();
  assert.equal(r.activationLive, 0, `activation-side bytes still live: ${r.activationLive}`);
  for (const [kind, bytes] of Object.entries(r.live) as [MemoryKind, number][]) {
    assert.equal(bytes, 0, `${kind} bytes still live: ${bytes}`);
  }
}

/** A small seeded generator (mulberry32) for host data. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** `n` values uniform in [lo, hi), rounded to f32 so host and device see the same numbers. */
  values(n: number, lo = -1, hi = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.fround(lo + (hi - lo) * this.next());
    return out;
  }
  /** Values for `shape`, as f32-representable float64. */
  shaped(shape: Shape, lo = -1, hi = 1): Float64Array {
    return this.values(sizeOf(shape), lo, hi);
  }
  /** `n` integers in [0, bound). */
  ints(n: number, bound: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * bound);
    return out;
  }
}

/** Asserts |actual − expected| ≤ abs·scale + rel·|expected| elementwise (scale = max(1, max|expected|) when `scaled`). */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  tol: { readonly rel: number; readonly abs: number; readonly scaled?: boolean } = FORWARD_TOL,
): void {
  assert.equal(
    actual.length,
    expected.length,
    `${what}: length ${actual.length}, expected ${expected.length}`,
  );
  let scale = 1;
  if (tol.scaled) {
    for (let i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
    }
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    const ok = Math.abs(a - e) <= tol.abs * scale + tol.rel * Math.abs(e);
    if (!ok) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e} (tolerance rel ${tol.rel}, abs ${tol.abs})`);
    }
  }
}

/**
 * The gradient of a scalar float64 function by central differences, h = 1e-6·max(1, |x|).
 * `x` is perturbed in place and restored.
 */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const x0 = x[i], h = 1e-6 * Math.max(1, Math.abs(x0));
    x[i] = x0 + h;
    const up = f(x);
    x[i] = x0 - h;
    const down = f(x);
    x[i] = x0;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/** Σ a ⊙ w in float64: the scalar whose gradient a backward kernel must produce. */
export function dot(a: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * w[i];
  return s;
}

/** Asserts two raw bit patterns are identical. */
export function assertSameBits(a: Uint32Array, b: Uint32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths differ`);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      assert.fail(`${what}: element ${i} differs between identical calls (bits ${a[i]} vs ${b[i]})`);
    }
  }
}

/** Checks `body` on RUNS random draws of `arb`, each in its own released scope, on one fresh backend. */
export function property<T>(
  make: MakeBackend,
  arb: fc.Arbitrary<T>,
  body: (s: Scope, v: T) => Promise<void>,
): Promise<void> {
  return withBackend(make, async (scoped) => {
    await fc.assert(fc.asyncProperty(arb, (v) => scoped((s) => body(s, v))), { numRuns: RUNS });
  });
}

/** A dimension of a drawn shape: 1 to 6. */
export const dim: fc.Arbitrary<number> = fc.integer({ min: 1, max: 6 });

/** A seed for host data. */
export const seed: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0x7fffffff });

/** A shape of rank `min`..`max` with dimensions 1–6. */
export function shapeArb(min: number, max: number): fc.Arbitrary<number[]> {
  return fc.array(dim, { minLength: min, maxLength: max });
}

/** Attention dimensions: B, T, D in 1–6 and a head count dividing D. */
export const attentionDims: fc.Arbitrary<
  { B: number; T: number; D: number; heads: number; causal: boolean }
> = fc
  .record({ B: dim, T: dim, D: dim, pick: fc.nat(), causal: fc.boolean() })
  .map(({ B, T, D, pick, causal }) => {
    const divisors = [1, 2, 3, 4, 5, 6].filter((h) => D % h === 0);
    return { B, T, D, heads: divisors[pick % divisors.length], causal };
  });

/** The last dimension of a shape. */
export function last(shape: Shape): number {
  return shape[shape.length - 1];
}
