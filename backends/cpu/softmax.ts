/**
 * Softmax over the last dimension and its backward.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { lastDim } from "./_shape.ts";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

/**
 * The softmax kernels of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { softmax } = softmaxKernels(new CpuBackend());
 * ```
 */
export function softmaxKernels(bk: CpuBackend): Pick<KernelTable, "softmax" | "softmaxBackward"> {
  return {
    softmax(x) {
      // y_j = exp(x_j − max) / Σ_k exp(x_k − max)
      const t = bk.alloc(x.shape, "f32");
      const y = f32(t), a = f32(x);
      const n = lastDim(x.shape), rows = n === 0 ? 0 : x.size / n;
      for (let r = 0; r < rows; r++) {
        const off = r * n, end = off + n;
        let m = -Infinity;
        for (let i = off; i < end; i++) if (a[i] > m) m = a[i];
        let s = 0;
        for (let i = off; i < end; i++) {
          const e = Math.exp(a[i] - m);
          y[i] = e;
          s += e;
        }
        const inv = 1 / s;
        for (let i = off; i < end; i++) y[i] *= inv;
      }
      return t;
    },
    softmaxBackward(y, dy) {
      // dx = y ⊙ (dy − Σ_j dy_j·y_j)
      const t = bk.alloc(y.shape, "f32");
      const dx = f32(t), p = f32(y), g = f32(dy);
      const n = lastDim(y.shape), rows = n === 0 ? 0 : y.size / n;
      for (let r = 0; r < rows; r++) {
        const off = r * n, end = off + n;
        let dot = 0;
        for (let i = off; i < end; i++) dot += g[i] * p[i];
        for (let i = off; i < end; i++) dx[i] = p[i] * (g[i] - dot);
      }
      return t;
    },
  };
}
