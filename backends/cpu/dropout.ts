/**
 * Dropout from the counter-based generator: the mask is a pure function of the key hash
 * and the element index, so the backward (and any recompute) regenerates it exactly.
 * @module
 */
import { dropThreshold, keeps, type KernelTable, type Tensor } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

/**
 * The dropout kernels of a CPU backend. `p = 0` copies; `p ≥ 1` drops everything.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { dropout } = dropoutKernels(new CpuBackend());
 * ```
 */
export function dropoutKernels(bk: CpuBackend): Pick<KernelTable, "dropout" | "dropoutBackward"> {
  // y = keep ? x/(1 − p) : 0; forward and backward are the same masked scaling
  const masked = (x: Tensor, p: number, keyHash: number): Tensor => {
    const t = bk.alloc(x.shape, "f32");
    const y = f32(t), a = f32(x), n = x.size;
    if (p <= 0) {
      y.set(a.subarray(0, n));
      return t;
    }
    if (p >= 1) return t;
    const q = 1 - p, threshold = dropThreshold(p), k = keyHash >>> 0;
    for (let i = 0; i < n; i++) if (keeps(k, i, threshold)) y[i] = a[i] / q;
    return t;
  };
  return {
    dropout: masked,
    dropoutBackward(dy, p, keyHash, inPlace) {
      // in place only where there is a mask (0 < p < 1): the edge cases copy or zero-fill
      if (!inPlace || !(p > 0 && p < 1)) return masked(dy, p, keyHash);
      const g = f32(dy), n = dy.size, q = 1 - p, threshold = dropThreshold(p), k = keyHash >>> 0;
      for (let i = 0; i < n; i++) g[i] = keeps(k, i, threshold) ? g[i] / q : 0;
      return dy.retain();
    },
  };
}
