/**
 * General matrix multiply on raw Float32Arrays: c[M,N] = op(a)·op(b), overwriting c.
 *
 * Runs a blocked WebAssembly SIMD kernel (./wasm/gemm.wat) where the engine supports it, else a
 * blocked pure-JS kernel. Either way every c element is summed over k in ascending order, so the
 * same inputs always give bit-identical outputs. (The wasm kernel's bits are also the same under
 * V8 and JavaScriptCore; the JS fallback accumulates in float64, so its bits differ from it.)
 * @module
 */
import { gemmJs } from "./gemm/js_kernel.ts";
import { gemmWasm, wasmGemmAvailable } from "./gemm/wasm_kernel.ts";
import type { NativeGemm } from "./gemm/native_blas.ts";

/** Layout of a gemm call. */
export interface GemmShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** a is stored [K, M]. */
  readonly transA: boolean;
  /** b is stored [N, K]. */
  readonly transB: boolean;
  /** Threads that may share the work; default 1. Never changes the bits. */
  readonly threads?: number;
  /** A native sgemm to run instead of the WebAssembly kernel (see gemm/native_blas.ts). */
  readonly native?: NativeGemm;
}

/** c = op(a)·op(b): a is [M,K] ([K,M] if transA), b is [K,N] ([N,K] if transB), c is [M,N]. */
export function gemm(a: Float32Array, b: Float32Array, c: Float32Array, s: GemmShape): void {
  const { m, n, k } = s;
  if (m <= 0 || n <= 0) return;
  if (k <= 0) c.fill(0, 0, m * n);
  else if (s.native) s.native.sgemm(a, b, c, s, s.threads ?? 1);
  else if (!wasmGemmAvailable || !gemmWasm(a, b, c, s)) gemmJs(a, b, c, s);
}
