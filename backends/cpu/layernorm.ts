/**
 * Layer normalisation over the last dimension and its backward.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { lastDim } from "./_shape.ts";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

/**
 * The layernorm kernels of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { layernorm } = layernormKernels(new CpuBackend());
 * ```
 */
export function layernormKernels(bk: CpuBackend): Pick<KernelTable, "layernorm" | "layernormBackward"> {
  return {
    layernorm(x, gamma, beta, eps) {
      // μ = Σx/N, σ² = Σ(x − μ)²/N (two-pass), rstd = 1/√(σ² + ε), y = (x − μ)·rstd·γ + β
      const n = lastDim(x.shape), rows = n === 0 ? 0 : x.size / n;
      const yt = bk.alloc(x.shape, "f32");
      const mt = bk.alloc([rows], "f32");
      const rt = bk.alloc([rows], "f32");
      const y = f32(yt), mean = f32(mt), rstd = f32(rt);
      const a = f32(x), g = f32(gamma), b = f32(beta);
      for (let r = 0; r < rows; r++) {
        const off = r * n;
        let s = 0;
        for (let j = 0; j < n; j++) s += a[off + j];
        const mu = s / n;
        let v = 0;
        for (let j = 0; j < n; j++) {
          const d = a[off + j] - mu;
          v += d * d;
        }
        const rs = 1 / Math.sqrt(v / n + eps);
        for (let j = 0; j < n; j++) y[off + j] = (a[off + j] - mu) * rs * g[j] + b[j];
        mean[r] = mu;
        rstd[r] = rs;
      }
      return { y: yt, mean: mt, rstd: rt };
    },
    layernormBackward(x, gamma, mean, rstd, dy) {
      // x̂ = (x − μ)·rstd, ĝ = dy·γ; dβ = Σ_r dy, dγ = Σ_r dy·x̂,
      // dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))
      const n = lastDim(x.shape), rows = n === 0 ? 0 : x.size / n;
      const dxt = bk.alloc(x.shape, "f32");
      const dgt = bk.alloc([n], "f32");
      const dbt = bk.alloc([n], "f32");
      const dx = f32(dxt), dgamma = f32(dgt), dbeta = f32(dbt);
      const a = f32(x), g = f32(gamma), mu = f32(mean), rs = f32(rstd), d = f32(dy);
      const accG = new Float64Array(n), accB = new Float64Array(n);
      for (let r = 0; r < rows; r++) {
        const off = r * n, m = mu[r], s = rs[r];
        let sumG = 0, sumGX = 0;
        for (let j = 0; j < n; j++) {
          const xh = (a[off + j] - m) * s;
          const dyj = d[off + j];
          const gh = dyj * g[j];
          accB[j] += dyj;
          accG[j] += dyj * xh;
          sumG += gh;
          sumGX += gh * xh;
        }
        const meanG = sumG / n, meanGX = sumGX / n;
        for (let j = 0; j < n; j++) {
          const xh = (a[off + j] - m) * s;
          dx[off + j] = s * (d[off + j] * g[j] - meanG - xh * meanGX);
        }
      }
      for (let j = 0; j < n; j++) {
        dgamma[j] = accG[j];
        dbeta[j] = accB[j];
      }
      return { dx: dxt, dgamma: dgt, dbeta: dbt };
    },
  };
}
