/**
 * Matrix-product cases shared by the CPU tests that compare gemm paths (threads, OpenBLAS):
 * shapes with every transpose and ragged sizes, deterministic operands, and the product of a
 * case on a backend.
 * @module
 */
import type { CpuBackend } from "./cpu_backend.ts";

/** One product: c[m, n] = op(a)·op(b). */
export interface ProductCase {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

/** Cases with large and ragged sizes, every transpose combination. */
export const PRODUCT_CASES: ReadonlyArray<ProductCase> = (
  [
    [64, 1024, 256, false, false],
    [256, 1024, 64, true, false],
    [64, 256, 1024, false, true],
    [131, 77, 300, true, true],
    [258, 33, 129, false, false],
    [512, 512, 512, false, false],
    [1, 300, 7, false, false],
  ] as const
).map(([m, n, k, transA, transB]) => ({ m, n, k, transA, transB }));

/** The case as text, for assertion messages. */
export const describeCase = (c: ProductCase): string =>
  `${c.m}×${c.k} · ${c.k}×${c.n}, transA ${c.transA}, transB ${c.transB}`;

/** Deterministic values in [-2, 2]. */
const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * 2);

/** The case's product on `bk` (the same operands on every backend). */
export async function productOn(bk: CpuBackend, c: ProductCase): Promise<Float32Array> {
  const a = bk.upload(values(c.m * c.k, c.m), c.transA ? [c.k, c.m] : [c.m, c.k], "f32");
  const b = bk.upload(values(c.k * c.n, c.n), c.transB ? [c.n, c.k] : [c.k, c.n], "f32");
  return (await bk.read(bk.kernels.matmul(a, b, { transA: c.transA, transB: c.transB }))) as Float32Array;
}

/** The bits of an array, for exact comparisons. */
export const bitsOf = (a: Float32Array | Int32Array): Uint32Array => new Uint32Array(a.slice().buffer);
