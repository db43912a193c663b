/**
 * Batch norm kernels on the CPU: per-channel statistics of x [N, C, ...] summed over n, then
 * the remaining positions, in order (float64 sums, f32 results), so results are bit-stable.
 * @module
 */
import type { KernelTable, Tensor } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

/** N, C and the positions per (n, c) of x [N, C, ...]. */
function dims(x: Tensor): [number, number, number] {
  const n = x.shape[0]!, c = x.shape[1]!;
  return [n, c, x.size / (n * c)];
}

/**
 * The batch norm kernels of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { batchNorm } = batchNormKernels(new CpuBackend());
 * ```
 */
export function batchNormKernels(
  bk: CpuBackend,
): Pick<KernelTable, "batchNorm" | "batchNormBackward" | "batchNormInference" | "batchNormUpdate"> {
  return {
    batchNorm(xt, gt, bt, eps) {
      const [N, C, S] = dims(xt);
      const yt = bk.alloc(xt.shape, "f32"), mt = bk.alloc([C], "f32"), rt = bk.alloc([C], "f32");
      const x = f32(xt), g = f32(gt), be = f32(bt), y = f32(yt), mean = f32(mt), rstd = f32(rt);
      const M = N * S;
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) s += x[(n * C + c) * S + i]!;
        const mu = Math.fround(s / M);
        let q = 0;
        for (let n = 0; n < N; n++) {
          for (let i = 0; i < S; i++) {
            const d = x[(n * C + c) * S + i]! - mu;
            q += d * d;
          }
        }
        const r = Math.fround(1 / Math.sqrt(q / M + eps));
        mean[c] = mu;
        rstd[c] = r;
        for (let n = 0; n < N; n++) {
          for (let i = 0; i < S; i++) {
            const at = (n * C + c) * S + i;
            y[at] = (x[at]! - mu) * r * g[c]! + be[c]!;
          }
        }
      }
      return { y: yt, mean: mt, rstd: rt };
    },
    batchNormBackward(xt, gt, mt, rt, dyt) {
      const [N, C, S] = dims(xt);
      const dxt = bk.alloc(xt.shape, "f32"), dgt = bk.alloc([C], "f32"), dbt = bk.alloc([C], "f32");
      const x = f32(xt), g = f32(gt), mean = f32(mt), rstd = f32(rt), dy = f32(dyt);
      const dx = f32(dxt), dg = f32(dgt), db = f32(dbt);
      const M = N * S;
      for (let c = 0; c < C; c++) {
        const mu = mean[c]!, r = rstd[c]!;
        let sb = 0, sg = 0;
        for (let n = 0; n < N; n++) {
          for (let i = 0; i < S; i++) {
            const at = (n * C + c) * S + i;
            sb += dy[at]!;
            sg += dy[at]! * (x[at]! - mu) * r;
          }
        }
        db[c] = sb;
        dg[c] = sg;
        const k = g[c]! * r;
        for (let n = 0; n < N; n++) {
          for (let i = 0; i < S; i++) {
            const at = (n * C + c) * S + i;
            dx[at] = k * (dy[at]! - sb / M - (x[at]! - mu) * r * (sg / M));
          }
        }
      }
      return { dx: dxt, dgamma: dgt, dbeta: dbt };
    },
    batchNormInference(xt, gt, bt, mt, vt, eps) {
      const [N, C, S] = dims(xt);
      const yt = bk.alloc(xt.shape, "f32");
      const x = f32(xt), g = f32(gt), be = f32(bt), mean = f32(mt), v = f32(vt), y = f32(yt);
      for (let n = 0; n < N; n++) {
        for (let c = 0; c < C; c++) {
          const r = 1 / Math.sqrt(v[c]! + eps);
          for (let i = 0; i < S; i++) {
            const at = (n * C + c) * S + i;
            y[at] = (x[at]! - mean[c]!) * r * g[c]! + be[c]!;
          }
        }
      }
      return yt;
    },
    batchNormUpdate(rmt, rvt, mt, rt, o) {
      const rm = f32(rmt), rv = f32(rvt), mean = f32(mt), rstd = f32(rt);
      const unbias = o.count > 1 ? o.count / (o.count - 1) : 1;
      for (let c = 0; c < rm.length; c++) {
        const variance = (1 / (rstd[c]! * rstd[c]!) - o.eps) * unbias;
        rm[c] = (1 - o.momentum) * rm[c]! + o.momentum * mean[c]!;
        rv[c] = (1 - o.momentum) * rv[c]! + o.momentum * variance;
      }
    },
  };
}
