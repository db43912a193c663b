/**
 * Row-structured CPU kernels: biasAdd and sumRows over the last dimension, and
 * transpose of the last two dimensions.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

/** Tile edge of the blocked transpose (keeps both sides in cache). */
const TILE = 32;

/**
 * The row kernels of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { sumRows } = rowKernels(new CpuBackend());
 * ```
 */
export function rowKernels(bk: CpuBackend): Pick<KernelTable, "biasAdd" | "sumRows" | "transpose"> {
  return {
    biasAdd(x, bias) {
      // y[r, j] = x[r, j] + bias[j]
      const t = bk.alloc(x.shape, "f32");
      const y = f32(t), a = f32(x), b = f32(bias);
      const n = bias.size, rows = n === 0 ? 0 : x.size / n;
      for (let r = 0; r < rows; r++) {
        const off = r * n;
        for (let j = 0; j < n; j++) y[off + j] = a[off + j] + b[j];
      }
      return t;
    },
    sumRows(x) {
      // s[j] = Σ_r x[r, j], r ascending, accumulated in float64
      const n = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1];
      const rows = n === 0 ? 0 : x.size / n;
      const t = bk.alloc([n], "f32");
      const s = f32(t), a = f32(x);
      const acc = new Float64Array(n);
      for (let r = 0; r < rows; r++) {
        const off = r * n;
        for (let j = 0; j < n; j++) acc[j] += a[off + j];
      }
      for (let j = 0; j < n; j++) s[j] = acc[j];
      return t;
    },
    transpose(x) {
      // y[..., c, r] = x[..., r, c]
      const rank = x.shape.length;
      if (rank < 2) {
        const t = bk.alloc(x.shape, "f32");
        f32(t).set(f32(x).subarray(0, x.size));
        return t;
      }
      const R = x.shape[rank - 2], C = x.shape[rank - 1];
      const t = bk.alloc([...x.shape.slice(0, -2), C, R], "f32");
      const y = f32(t), a = f32(x);
      const mat = R * C, batches = mat === 0 ? 0 : x.size / mat;
      for (let b = 0; b < batches; b++) {
        const base = b * mat;
        for (let r0 = 0; r0 < R; r0 += TILE) {
          const r1 = Math.min(R, r0 + TILE);
          for (let c0 = 0; c0 < C; c0 += TILE) {
            const c1 = Math.min(C, c0 + TILE);
            for (let r = r0; r < r1; r++) {
              const src = base + r * C;
              for (let c = c0; c < c1; c++) y[base + c * R + r] = a[src + c];
            }
          }
        }
      }
      return t;
    },
  };
}
