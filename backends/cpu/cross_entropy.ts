/**
 * Mean softmax cross-entropy over rows of logits, and its backward.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { type CpuBackend, f32, i32 } from "./cpu_backend.ts";

/**
 * The cross-entropy kernels of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { crossEntropy } = crossEntropyKernels(new CpuBackend());
 * ```
 */
export function crossEntropyKernels(
  bk: CpuBackend,
): Pick<KernelTable, "crossEntropy" | "crossEntropyBackward"> {
  return {
    crossEntropy(logits, labels) {
      // loss = (1/N) Σ_n (log Σ_c exp x[n,c] − x[n, label_n]); probs = softmax(x)
      const rows = labels.size, c = rows === 0 ? 0 : logits.size / rows;
      const lt = bk.alloc([1], "f32");
      const pt = bk.alloc(logits.shape, "f32");
      const p = f32(pt), x = f32(logits), lab = i32(labels);
      let total = 0;
      for (let r = 0; r < rows; r++) {
        const off = r * c, end = off + c;
        let m = -Infinity;
        for (let i = off; i < end; i++) if (x[i] > m) m = x[i];
        let s = 0;
        for (let i = off; i < end; i++) {
          const e = Math.exp(x[i] - m);
          p[i] = e;
          s += e;
        }
        const inv = 1 / s;
        for (let i = off; i < end; i++) p[i] *= inv;
        const l = lab[r];
        // a label outside [0, C) makes the loss NaN, as on WebGPU (never another row's logit)
        total += l >= 0 && l < c ? m + Math.log(s) - x[off + l] : NaN;
      }
      f32(lt)[0] = rows === 0 ? 0 : total / rows;
      return { loss: lt, probs: pt };
    },
    crossEntropyBackward(probs, labels, dloss) {
      // dx[n, c] = (p[n, c] − [c = label_n])·dloss/N
      const rows = labels.size, c = rows === 0 ? 0 : probs.size / rows;
      const t = bk.alloc(probs.shape, "f32");
      const dx = f32(t), p = f32(probs), lab = i32(labels);
      const g = rows === 0 ? 0 : f32(dloss)[0] / rows;
      for (let r = 0; r < rows; r++) {
        const off = r * c, end = off + c;
        for (let i = off; i < end; i++) dx[i] = p[i] * g;
        const l = lab[r];
        if (l >= 0 && l < c) dx[off + l] = (p[off + l] - 1) * g;
      }
      return t;
    },
  };
}
