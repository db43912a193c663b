/**
 * The matmul kernel: shapes from the operands, arithmetic in `gemm`.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { lastDim } from "./_shape.ts";
import { type CpuBackend, f32 } from "./cpu_backend.ts";
import { gemm } from "./gemm.ts";

/**
 * The matmul kernel of a CPU backend. Leading dimensions of `a` fold into rows
 * (into K when transposed), as for a 2-D operand; the output is [M, N].
 * @param bk the backend whose accountant owns the output
 * @example
 * ```ts
 * const { matmul } = matmulKernels(new CpuBackend());
 * ```
 */
export function matmulKernels(bk: CpuBackend): Pick<KernelTable, "matmul"> {
  return {
    matmul(a, b, options) {
      // c[M, N] = op(a)·op(b)
      const transA = options.transA ?? false, transB = options.transB ?? false;
      const aCols = lastDim(a.shape), aRows = aCols === 0 ? 0 : a.size / aCols;
      const bCols = lastDim(b.shape), bRows = bCols === 0 ? 0 : b.size / bCols;
      const m = transA ? aCols : aRows, k = transA ? aRows : aCols;
      const n = transB ? bRows : bCols;
      const full = m > 0 && n > 0 && k > 0; // then gemm writes every element
      const t = full ? bk.allocForWrite([m, n], "f32") : bk.alloc([m, n], "f32");
      if (full) {
        gemm(f32(a), f32(b), f32(t), { m, n, k, transA, transB, threads: bk.threads, native: bk.nativeGemm });
      }
      return t;
    },
  };
}
