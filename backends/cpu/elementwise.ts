/**
 * Elementwise CPU kernels: add, mul, scale and the activations with their backwards.
 * Each is one pass over the elements; math in float64, stored as f32.
 * @module
 */
import type { KernelTable, Tensor } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

type Elementwise = Pick<
  KernelTable,
  "add" | "mul" | "scale" | "relu" | "reluBackward" | "gelu" | "geluBackward" | "tanh" | "tanhBackward"
>;

/** √(2/π), the gelu tanh-approximation constant. */
const GELU_C = Math.sqrt(2 / Math.PI);
/** Cubic coefficient of the gelu tanh approximation. */
const GELU_A = 0.044715;

/**
 * gelu of one value: ½v(1 + tanh u), u = c(v + a·v³). With s = 1/(e^{2u} + 1), 1 + tanh u =
 * 2(1 − s), so this is v(1 − s): one exp instead of the slower Math.tanh. Shared by `gelu` and
 * the fused `linear`, so both give the same bits.
 * @example
 * ```ts
 * geluOf(0); // 0
 * ```
 */
export function geluOf(v: number): number {
  const s = 1 / (Math.exp(2 * GELU_C * (v + GELU_A * v * v * v)) + 1);
  return v - v * s;
}

/**
 * The elementwise kernels of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { relu } = elementwiseKernels(new CpuBackend());
 * ```
 */
export function elementwiseKernels(bk: CpuBackend): Elementwise {
  // every kernel here writes each element of its output once
  const out = (like: Tensor): [Tensor, Float32Array] => {
    const t = bk.allocForWrite(like.shape, "f32");
    return [t, f32(t)];
  };
  // element i of the result is written after element i of dy is read, so dy can be the output
  const overwrite = (dy: Tensor): [Tensor, Float32Array] => [dy.retain(), f32(dy)];
  return {
    add(a, b) {
      const [t, c] = out(a);
      const x = f32(a), y = f32(b), n = c.length;
      for (let i = 0; i < n; i++) c[i] = x[i] + y[i];
      return t;
    },
    mul(a, b) {
      const [t, c] = out(a);
      const x = f32(a), y = f32(b), n = c.length;
      for (let i = 0; i < n; i++) c[i] = x[i] * y[i];
      return t;
    },
    scale(x, s) {
      const [t, y] = out(x);
      const a = f32(x), n = y.length;
      for (let i = 0; i < n; i++) y[i] = s * a[i];
      return t;
    },
    relu(x) {
      const [t, y] = out(x);
      const a = f32(x), n = y.length;
      // (v + |v|)/2 is exact and branch-free: random signs would defeat branch prediction
      for (let i = 0; i < n; i++) {
        const v = a[i];
        y[i] = (v + Math.abs(v)) * 0.5;
      }
      return t;
    },
    reluBackward(x, dy, inPlace) {
      // dx = dy·[x > 0], the indicator as a number (branch-free)
      const [t, dx] = inPlace ? overwrite(dy) : out(x);
      const a = f32(x), g = f32(dy), n = dx.length;
      for (let i = 0; i < n; i++) dx[i] = +(a[i] > 0) * g[i];
      return t;
    },
    gelu(x) {
      const [t, y] = out(x);
      const a = f32(x), n = y.length;
      for (let i = 0; i < n; i++) y[i] = geluOf(a[i]);
      return t;
    },
    geluBackward(x, dy, inPlace) {
      // gelu'(x) = ½(1 + tanh u) + ½x(1 − tanh²u)·c(1 + 3a·x²)
      //          = (1 − s) + 2x·s(1 − s)·c(1 + 3a·x²), s = 1/(e^{2u} + 1)
      const [t, dx] = inPlace ? overwrite(dy) : out(x);
      const a = f32(x), g = f32(dy), n = dx.length;
      for (let i = 0; i < n; i++) {
        const v = a[i];
        const v2 = v * v;
        const s = 1 / (Math.exp(2 * GELU_C * (v + GELU_A * v2 * v)) + 1);
        const q = 1 - s;
        dx[i] = g[i] * (q + 2 * v * s * q * GELU_C * (1 + 3 * GELU_A * v2));
      }
      return t;
    },
    tanh(x) {
      const [t, y] = out(x);
      const a = f32(x), n = y.length;
      for (let i = 0; i < n; i++) y[i] = Math.tanh(a[i]);
      return t;
    },
    tanhBackward(y, dy) {
      // dx = dy·(1 − y²)
      const [t, dx] = out(y);
      const a = f32(y), g = f32(dy), n = dx.length;
      for (let i = 0; i < n; i++) {
        const v = a[i];
        dx[i] = g[i] * (1 - v * v);
      }
      return t;
    },
  };
}
