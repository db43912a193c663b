/**
 * Multi-head self-attention core (scores, causal softmax, weighted values) and its
 * backward from the saved probabilities, one (batch, head) block at a time.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

/**
 * The attention kernels of a CPU backend. q, k, v are [B, T, D]; head h owns columns
 * h·dh … (h+1)·dh − 1 with dh = D/heads; probabilities are [B, H, T, T].
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
      const dh = D / heads, scale = 1 / Math.sqrt(dh);
      const ot = bk.alloc([B, T, D], "f32");
      const pt = bk.alloc([B, heads, T, T], "f32");
      const o = f32(ot), P = f32(pt), Q = f32(q), K = f32(k), V = f32(v);
      const row = new Float64Array(T), acc = new Float64Array(dh);
      for (let b = 0; b < B; b++) {
        const seq = b * T * D;
        for (let h = 0; h < heads; h++) {
          const col = seq + h * dh, pBase = (b * heads + h) * T * T;
          for (let i = 0; i < T; i++) {
            const qi = col + i * D, jEnd = causal ? i + 1 : T;
            let mx = -Infinity;
            for (let j = 0; j < jEnd; j++) {
              const kj = col + j * D;
              let s = 0;
              for (let d = 0; d < dh; d++) s += Q[qi + d] * K[kj + d];
              s *= scale;
              row[j] = s;
              if (s > mx) mx = s;
            }
            let sum = 0;
            for (let j = 0; j < jEnd; j++) {
              const e = Math.exp(row[j] - mx);
              row[j] = e;
              sum += e;
            }
            const inv = 1 / sum, pRow = pBase + i * T;
            acc.fill(0);
            for (let j = 0; j < jEnd; j++) {
              const pj = row[j] * inv;
              P[pRow + j] = pj;
              const vj = col + j * D;
              for (let d = 0; d < dh; d++) acc[d] += pj * V[vj + d];
            }
            for (let d = 0; d < dh; d++) o[qi + d] = acc[d];
          }
        }
      }
      return { out: ot, probs: pt };
    },
    attentionBackward(q, k, v, probs, dout, heads) {
      // dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P⊙(dP − rowsum(dP⊙P)); dQ = dS·K·s; dK = dSᵀ·Q·s
      const [B, T, D] = q.shape as [number, number, number];
      const dh = D / heads, scale = 1 / Math.sqrt(dh);
      const dqt = bk.alloc([B, T, D], "f32");
      const dkt = bk.alloc([B, T, D], "f32");
      const dvt = bk.alloc([B, T, D], "f32");
      const dQ = f32(dqt), dK = f32(dkt), dV = f32(dvt);
      const Q = f32(q), K = f32(k), V = f32(v), P = f32(probs), dO = f32(dout);
      const dS = new Float64Array(T * T), acc = new Float64Array(dh);
      const accK = new Float64Array(T * dh), accV = new Float64Array(T * dh);
      for (let b = 0; b < B; b++) {
        const seq = b * T * D;
        for (let h = 0; h < heads; h++) {
          const col = seq + h * dh, pBase = (b * heads + h) * T * T;
          accK.fill(0);
          accV.fill(0);
          for (let i = 0; i < T; i++) {
            const oi = col + i * D, pRow = pBase + i * T, sRow = i * T;
            // dP row and its P-weighted sum; masked (P = 0) entries give dS = 0
            let dot = 0;
            for (let j = 0; j < T; j++) {
              const p = P[pRow + j];
              if (p === 0) {
                dS[sRow + j] = 0;
                continue;
              }
              const vj = col + j * D;
              let s = 0;
              for (let d = 0; d < dh; d++) s += dO[oi + d] * V[vj + d];
              dS[sRow + j] = s;
              dot += s * p;
            }
            acc.fill(0);
            for (let j = 0; j < T; j++) {
              const p = P[pRow + j];
              if (p === 0) continue;
              const ds = p * (dS[sRow + j] - dot);
              dS[sRow + j] = ds;
              // i ascending per (j, d): dV[j] += p·dO[i], dK[j] += dS·Q[i]
              const kj = col + j * D, aj = j * dh;
              for (let d = 0; d < dh; d++) {
                acc[d] += ds * K[kj + d];
                accV[aj + d] += p * dO[oi + d];
                accK[aj + d] += ds * Q[oi + d];
              }
            }
            for (let d = 0; d < dh; d++) dQ[oi + d] = acc[d] * scale;
          }
          for (let j = 0; j < T; j++) {
            const dst = col + j * D, aj = j * dh;
            for (let d = 0; d < dh; d++) {
              dK[dst + d] = accK[aj + d] * scale;
              dV[dst + d] = accV[aj + d];
            }
          }
        }
      }
      return { dq: dqt, dk: dkt, dv: dvt };
    },
  };
}
