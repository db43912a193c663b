/**
 * Optimizer steps, in place on parameter and state tensors.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

/**
 * The optimizer kernels of a CPU backend; they allocate nothing.
 * @param _bk the backend (unused: the steps update their arguments in place)
 * @example
 * ```ts
 * const { sgdStep } = optimizerKernels(new CpuBackend());
 * ```
 */
export function optimizerKernels(_bk: CpuBackend): Pick<KernelTable, "sgdStep" | "adamwStep"> {
  return {
    sgdStep(param, grad, velocity, hyper) {
      // v = μv + g + λp; p −= lr·v
      const p = f32(param), g = f32(grad), v = f32(velocity), n = param.size;
      const { lr, momentum, weightDecay } = hyper;
      for (let i = 0; i < n; i++) {
        const vi = momentum * v[i] + g[i] + weightDecay * p[i];
        v[i] = vi;
        p[i] = p[i] - lr * vi;
      }
    },
    adamwStep(param, grad, m, v, hyper) {
      // m = β1·m + (1 − β1)g; v = β2·v + (1 − β2)g²; m̂ = m/(1 − β1ᵗ); v̂ = v/(1 − β2ᵗ);
      // p −= lr·(m̂/(√v̂ + ε) + λp)
      const p = f32(param), g = f32(grad), ms = f32(m), vs = f32(v), n = param.size;
      const { lr, beta1, beta2, eps, weightDecay, t } = hyper;
      const bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
      for (let i = 0; i < n; i++) {
        const gi = g[i];
        const mi = beta1 * ms[i] + (1 - beta1) * gi;
        const vi = beta2 * vs[i] + (1 - beta2) * gi * gi;
        ms[i] = mi;
        vs[i] = vi;
        const pi = p[i];
        p[i] = pi - lr * ((mi / bc1) / (Math.sqrt(vi / bc2) + eps) + weightDecay * pi);
      }
    },
  };
}
