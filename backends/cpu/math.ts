/**
 * Elementwise math kernels for losses and models: sub, div, scalar shift, exp, log, sigmoid,
 * abs and binary cross-entropy on logits, with the backwards that are not products. One pass
 * over the elements each; math in float64, stored as f32.
 * @module
 */
import type { KernelTable, Tensor } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

type MathKernels = Pick<
  KernelTable,
  | "sub"
  | "div"
  | "addScalar"
  | "exp"
  | "log"
  | "sigmoid"
  | "sigmoidBackward"
  | "abs"
  | "absBackward"
  | "bceLogits"
  | "bceLogitsBackward"
>;

/**
 * σ(v) without overflow: 1/(1 + e^{−v}) for v ≥ 0, e^{v}/(1 + e^{v}) below.
 * @example
 * ```ts
 * sigmoidOf(0); // 0.5
 * ```
 */
export function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/**
 * The math kernels of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { exp } = mathKernels(new CpuBackend());
 * ```
 */
export function mathKernels(bk: CpuBackend): MathKernels {
  /** out[i] = f(a[i]) over a tensor shaped like `a`. */
  const map1 = (a: Tensor, f: (v: number) => number): Tensor => {
    const t = bk.alloc(a.shape, "f32");
    const y = f32(t), x = f32(a), n = y.length;
    for (let i = 0; i < n; i++) y[i] = f(x[i]!);
    return t;
  };
  /** out[i] = f(a[i], b[i]). */
  const map2 = (a: Tensor, b: Tensor, f: (v: number, w: number) => number): Tensor => {
    const t = bk.alloc(a.shape, "f32");
    const y = f32(t), x = f32(a), z = f32(b), n = y.length;
    for (let i = 0; i < n; i++) y[i] = f(x[i]!, z[i]!);
    return t;
  };
  return {
    sub: (a, b) => map2(a, b, (v, w) => v - w),
    div: (a, b) => map2(a, b, (v, w) => v / w),
    addScalar: (x, s) => map1(x, (v) => v + s),
    exp: (x) => map1(x, Math.exp),
    log: (x) => map1(x, Math.log),
    sigmoid: (x) => map1(x, sigmoidOf),
    sigmoidBackward: (y, dy) => map2(y, dy, (v, g) => g * v * (1 - v)),
    abs: (x) => map1(x, Math.abs),
    absBackward: (x, dy) => map2(x, dy, (v, g) => g * Math.sign(v)),
    // max(z, 0) − z·t + ln(1 + e^{−|z|}): no overflow for any z
    bceLogits: (z, t) => map2(z, t, (v, y) => Math.max(v, 0) - v * y + Math.log1p(Math.exp(-Math.abs(v)))),
    bceLogitsBackward(z, t, dy) {
      const out = bk.alloc(z.shape, "f32");
      const o = f32(out), a = f32(z), b = f32(t), g = f32(dy), n = o.length;
      for (let i = 0; i < n; i++) o[i] = g[i]! * (sigmoidOf(a[i]!) - b[i]!);
      return out;
    },
  };
}
