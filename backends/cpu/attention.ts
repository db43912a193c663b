/**
 * Multi-head self-attention core (scores, causal softmax, weighted values) and its
 * backward from the saved probabilities. Each (batch, head) block is packed into
 * contiguous [T, dh] panels so every product runs on `gemm`.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";
import { gemm } from "./gemm.ts";

/**
 * The attention kernels of a CPU backend. q, k, v are [B, T, D]; head h owns columns
 * h·dh … (h+1)·dh − 1 with dh = D/heads; probabilities are [B, H, T, T], exactly 0 at
 * masked (key after query) positions.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { attention } = attentionKernels(new CpuBackend());
 * ```
 */
export function attentionKernels(bk: CpuBackend): Pick<KernelTable, "attention" | "attentionBackward"> {
  return {
    attention(q, k, v, heads, causal) {
      // S = Q·Kᵀ/√dh (key j > query i masked when causal); P = softmax_j(S); O = P·V
      const [B, T, D] = q.shape as [number, number, number];
      const dh = D / heads, scale = 1 / Math.sqrt(dh), tt = T * T, panel = T * dh;
      const ot = bk.alloc([B, T, D], "f32");
      const pt = bk.alloc([B, heads, T, T], "f32");
      if (panel === 0) return { out: ot, probs: pt };
      const o = f32(ot), P = f32(pt), Q = f32(q), K = f32(k), V = f32(v);
      const qh = new Float32Array(panel), kh = new Float32Array(panel), vh = new Float32Array(panel);
      const oh = new Float32Array(panel), s = new Float32Array(tt);
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < heads; h++) {
          const col = b * T * D + h * dh, pBase = (b * heads + h) * tt;
          pack(Q, qh, col, D, T, dh);
          pack(K, kh, col, D, T, dh);
          pack(V, vh, col, D, T, dh);
          gemm(qh, kh, s, { m: T, n: T, k: dh, transA: false, transB: true });
          for (let i = 0; i < T; i++) {
            const sRow = i * T, pRow = pBase + sRow, jEnd = causal ? i + 1 : T;
            let mx = -Infinity;
            for (let j = 0; j < jEnd; j++) if (s[sRow + j] > mx) mx = s[sRow + j];
            let sum = 0;
            for (let j = 0; j < jEnd; j++) {
              const e = Math.exp((s[sRow + j] - mx) * scale);
              P[pRow + j] = e;
              sum += e;
            }
            const inv = 1 / sum;
            for (let j = 0; j < jEnd; j++) P[pRow + j] *= inv;
          }
          gemm(P.subarray(pBase, pBase + tt), vh, oh, { m: T, n: dh, k: T, transA: false, transB: false });
          unpack(oh, o, col, D, T, dh, 1);
        }
      }
      return { out: ot, probs: pt };
    },
    attentionBackward(q, k, v, probs, dout, heads) {
      // dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P⊙(dP − rowsum(dP⊙P)); dQ = dS·K·s; dK = dSᵀ·Q·s
      const [B, T, D] = q.shape as [number, number, number];
      const dh = D / heads, scale = 1 / Math.sqrt(dh), tt = T * T, panel = T * dh;
      const dqt = bk.alloc([B, T, D], "f32");
      const dkt = bk.alloc([B, T, D], "f32");
      const dvt = bk.alloc([B, T, D], "f32");
      if (panel === 0) return { dq: dqt, dk: dkt, dv: dvt };
      const dQ = f32(dqt), dK = f32(dkt), dV = f32(dvt);
      const Q = f32(q), K = f32(k), V = f32(v), P = f32(probs), dO = f32(dout);
      const qh = new Float32Array(panel), kh = new Float32Array(panel), vh = new Float32Array(panel);
      const doh = new Float32Array(panel), gh = new Float32Array(panel), ds = new Float32Array(tt);
      for (let b = 0; b < B; b++) {
        for (let h = 0; h < heads; h++) {
          const col = b * T * D + h * dh, pBase = (b * heads + h) * tt;
          const ph = P.subarray(pBase, pBase + tt);
          pack(Q, qh, col, D, T, dh);
          pack(K, kh, col, D, T, dh);
          pack(V, vh, col, D, T, dh);
          pack(dO, doh, col, D, T, dh);
          gemm(ph, doh, gh, { m: T, n: dh, k: T, transA: true, transB: false });
          unpack(gh, dV, col, D, T, dh, 1);
          gemm(doh, vh, ds, { m: T, n: T, k: dh, transA: false, transB: true });
          for (let i = 0; i < T; i++) {
            const row = i * T;
            let dot = 0;
            for (let j = 0; j < T; j++) dot += ds[row + j] * ph[row + j];
            for (let j = 0; j < T; j++) ds[row + j] = ph[row + j] * (ds[row + j] - dot);
          }
          gemm(ds, kh, gh, { m: T, n: dh, k: T, transA: false, transB: false });
          unpack(gh, dQ, col, D, T, dh, scale);
          gemm(ds, qh, gh, { m: T, n: dh, k: T, transA: true, transB: false });
          unpack(gh, dK, col, D, T, dh, scale);
        }
      }
      return { dq: dqt, dk: dkt, dv: dvt };
    },
  };
}

/** Copies the [T, dh] column block starting at `col` (row stride D) into a contiguous panel. */
function pack(src: Float32Array, dst: Float32Array, col: number, D: number, T: number, dh: number): void {
  for (let t = 0; t < T; t++) dst.set(src.subarray(col + t * D, col + t * D + dh), t * dh);
}

/** Writes a contiguous [T, dh] panel, times `s`, into the column block at `col`. */
function unpack(
  src: Float32Array,
  dst: Float32Array,
  col: number,
  D: number,
  T: number,
  dh: number,
  s: number,
): void {
  for (let t = 0; t < T; t++) {
    const o = col + t * D, r = t * dh;
    for (let d = 0; d < dh; d++) dst[o + d] = s * src[r + d];
  }
}
