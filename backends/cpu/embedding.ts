/**
 * Embedding lookup and its scatter-add backward.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { lastDim } from "./_shape.ts";
import { type CpuBackend, f32, i32 } from "./cpu_backend.ts";

/**
 * The embedding kernels of a CPU backend. Ids outside `[0, V)` read and write nothing
 * (their rows are zero), so a bad id never touches another row.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { embedding } = embeddingKernels(new CpuBackend());
 * ```
 */
export function embeddingKernels(bk: CpuBackend): Pick<KernelTable, "embedding" | "embeddingBackward"> {
  return {
    embedding(ids, table) {
      // y[p, :] = table[ids[p], :]
      const d = lastDim(table.shape), vocab = d === 0 ? 0 : table.size / d;
      const t = bk.alloc([...ids.shape, d], "f32");
      const y = f32(t), tab = f32(table), id = i32(ids), n = ids.size;
      for (let p = 0; p < n; p++) {
        const v = id[p];
        if (v < 0 || v >= vocab) continue;
        y.set(tab.subarray(v * d, v * d + d), p * d);
      }
      return t;
    },
    embeddingBackward(ids, dy, vocab) {
      // dtable[v, :] = Σ_{p : ids[p] = v} dy[p, :], p ascending
      const d = lastDim(dy.shape);
      const t = bk.alloc([vocab, d], "f32");
      const out = f32(t), g = f32(dy), id = i32(ids), n = ids.size;
      for (let p = 0; p < n; p++) {
        const v = id[p];
        if (v < 0 || v >= vocab) continue;
        const dst = v * d, src = p * d;
        for (let j = 0; j < d; j++) out[dst + j] += g[src + j];
      }
      return t;
    },
  };
}
