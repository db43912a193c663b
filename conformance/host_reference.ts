/**
 * Float64 host references of every kernel, written as plain loops straight from the
 * formulas in `kernels.ts`, independent of any backend. Conformance tests compare kernels
 * with these and differentiate them by finite differences.
 * @module
 */
import { dropThreshold, keeps } from "@remat/core";

type F64 = Float64Array;

/** op(a)·op(b) with op(a) [m, k] and op(b) [k, n]. */
export function matmulRef(
  a: F64,
  b: F64,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): F64 {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      }
      c[i * n + j] = s;
    }
  }
  return c;
}

/** y[r, j] = x[r, j] + bias[j]. */
export function biasAddRef(x: F64, bias: F64): F64 {
  const n = bias.length;
  return x.map((v, i) => v + bias[i % n]);
}

/** s[j] = Σ_r x[r, j]. */
export function sumRowsRef(x: F64, n: number): F64 {
  const s = new Float64Array(n);
  for (let i = 0; i < x.length; i++) s[i % n] += x[i];
  return s;
}

/** ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluRef(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

/** Softmax of each row of n. */
export function softmaxRef(x: F64, n: number): F64 {
  const y = new Float64Array(x.length);
  for (let off = 0; off < x.length; off += n) {
    const row = Array.from(x.subarray(off, off + n));
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((p, q) => p + q, 0);
    for (let j = 0; j < n; j++) y[off + j] = e[j] / s;
  }
  return y;
}

/** Layer norm of each row of n: y, mean and rstd. */
export function layernormRef(x: F64, gamma: F64, beta: F64, eps: number): { y: F64; mean: F64; rstd: F64 } {
  const n = gamma.length, rows = x.length / n;
  const y = new Float64Array(x.length), mean = new Float64Array(rows), rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * n, r * n + n);
    const mu = row.reduce((p, q) => p + q, 0) / n;
    const variance = row.reduce((p, q) => p + (q - mu) ** 2, 0) / n;
    const rs = 1 / Math.sqrt(variance + eps);
    for (let j = 0; j < n; j++) y[r * n + j] = (row[j] - mu) * rs * gamma[j] + beta[j];
    mean[r] = mu;
    rstd[r] = rs;
  }
  return { y, mean, rstd };
}

/** Rows of `table` ([V, d]) picked by `ids`. */
export function embeddingRef(ids: ArrayLike<number>, table: F64, d: number): F64 {
  const y = new Float64Array(ids.length * d);
  for (let p = 0; p < ids.length; p++) for (let j = 0; j < d; j++) y[p * d + j] = table[ids[p] * d + j];
  return y;
}

/** Swaps the last two dimensions [.., r, c] → [.., c, r]. */
export function transposeRef(x: F64, r: number, c: number): F64 {
  const y = new Float64Array(x.length);
  for (let base = 0; base < x.length; base += r * c) {
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) y[base + j * r + i] = x[base + i * c + j];
  }
  return y;
}

/** keep ? x/(1 − p) : 0, with the counter-based mask of `random.ts`. */
export function dropoutRef(x: F64, p: number, keyHash: number): F64 {
  if (p === 0) return x.slice();
  const threshold = dropThreshold(p);
  return x.map((v, i) => (keeps(keyHash, i, threshold) ? v / (1 - p) : 0));
}

/** Multi-head attention on q, k, v [B, T, D]: out [B, T, D] and probs [B, H, T, T]. */
export function attentionRef(
  q: F64,
  k: F64,
  v: F64,
  dims: {
    readonly B: number;
    readonly T: number;
    readonly D: number;
    readonly heads: number;
    readonly causal: boolean;
  },
): { out: F64; probs: F64 } {
  const { B, T, D, heads, causal } = dims;
  const dh = D / heads;
  const out = new Float64Array(B * T * D), probs = new Float64Array(B * heads * T * T);
  const at = (b: number, t: number, h: number, d: number) => (b * T + t) * D + h * dh + d;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < T; i++) {
        const scores: number[] = [];
        for (let j = 0; j < T; j++) {
          let s = 0;
          for (let d = 0; d < dh; d++) s += q[at(b, i, h, d)] * k[at(b, j, h, d)];
          scores.push(causal && j > i ? -Infinity : s / Math.sqrt(dh));
        }
        const p = softmaxRef(Float64Array.from(scores), T);
        for (let j = 0; j < T; j++) {
          probs[((b * heads + h) * T + i) * T + j] = p[j];
          for (let d = 0; d < dh; d++) out[at(b, i, h, d)] += p[j] * v[at(b, j, h, d)];
        }
      }
    }
  }
  return { out, probs };
}

/** Mean cross-entropy of rows of c logits against labels, and the softmax probabilities. */
export function crossEntropyRef(
  logits: F64,
  labels: ArrayLike<number>,
  c: number,
): { loss: number; probs: F64 } {
  const probs = softmaxRef(logits, c);
  let loss = 0;
  for (let r = 0; r < labels.length; r++) loss -= Math.log(probs[r * c + labels[r]]);
  return { loss: loss / labels.length, probs };
}

/** One SGD-with-momentum step on copies: v = μv + g + λp; p −= lr·v. */
export function sgdRef(
  p: F64,
  g: F64,
  v: F64,
  h: { readonly lr: number; readonly momentum: number; readonly weightDecay: number },
): { p: F64; v: F64 } {
  const v2 = v.map((vi, i) => h.momentum * vi + g[i] + h.weightDecay * p[i]);
  return { p: p.map((pi, i) => pi - h.lr * v2[i]), v: v2 };
}

/** One AdamW step on copies, with bias correction at 1-based step t. */
export function adamwRef(
  p: F64,
  g: F64,
  m: F64,
  v: F64,
  h: {
    readonly lr: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly eps: number;
    readonly weightDecay: number;
    readonly t: number;
  },
): { p: F64; m: F64; v: F64 } {
  const m2 = m.map((mi, i) => h.beta1 * mi + (1 - h.beta1) * g[i]);
  const v2 = v.map((vi, i) => h.beta2 * vi + (1 - h.beta2) * g[i] * g[i]);
  const p2 = p.map((pi, i) => {
    const mhat = m2[i] / (1 - h.beta1 ** h.t), vhat = v2[i] / (1 - h.beta2 ** h.t);
    return pi - h.lr * (mhat / (Math.sqrt(vhat) + h.eps) + h.weightDecay * pi);
  });
  return { p: p2, m: m2, v: v2 };
}
