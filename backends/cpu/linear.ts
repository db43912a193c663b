/**
 * The fused linear kernel: the product by `gemm`, then one pass over the output that adds the
 * bias and applies the activation in place, instead of two more kernels each reading and
 * writing the whole [M, N] (and one more allocation).
 * @module
 */
import type { KernelTable } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";
import { geluOf } from "./elementwise.ts";
import { matmulKernels } from "./matmul.ts";

/**
 * The `linear` kernel of a CPU backend: z = x·w + bias rounded to f32, y = activation(z), the
 * same bits as `matmul`, `biasAdd` and the activation kernel one after another.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { linear } = linearKernels(new CpuBackend());
 * ```
 */
export function linearKernels(bk: CpuBackend): Pick<KernelTable, "linear"> {
  const { matmul } = matmulKernels(bk);
  return {
    linear(x, w, bias, activation) {
      const zt = matmul(x, w, {});
      const c = f32(zt), b = f32(bias);
      const n = bias.size, rows = n === 0 ? 0 : zt.size / n;
      if (activation === "gelu") {
        // z stays (the backward needs it); y is a second tensor
        const yt = bk.allocForWrite(zt.shape, "f32");
        const y = f32(yt);
        for (let r = 0; r < rows; r++) {
          const off = r * n;
          for (let j = 0; j < n; j++) {
            const v = Math.fround(c[off + j] + b[j]);
            c[off + j] = v;
            y[off + j] = geluOf(v);
          }
        }
        return { y: yt, z: zt };
      }
      if (activation === "relu") {
        for (let r = 0; r < rows; r++) {
          const off = r * n;
          for (let j = 0; j < n; j++) {
            const v = Math.fround(c[off + j] + b[j]);
            c[off + j] = (v + Math.abs(v)) * 0.5; // exact, branch-free, as the relu kernel
          }
        }
        return { y: zt, z: null };
      }
      for (let r = 0; r < rows; r++) {
        const off = r * n;
        for (let j = 0; j < n; j++) c[off + j] += b[j];
      }
      return { y: zt, z: null };
    },
  };
}
