/**
 * Pure-JS blocked gemm: the fallback when WebAssembly SIMD is unavailable.
 *
 * B is packed into KC×NR column panels and A into MR×KC row panels (transposes are absorbed
 * by the packing), then a 4×4 register tile of float64 accumulators runs over each KC slice of k,
 * the slices being added into c in ascending order, so results are deterministic.
 * @module
 */
import type { GemmShape } from "../gemm.ts";

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 512;

const packA = new Float64Array(MC * KC);
const packB = new Float64Array(NC * KC);

/** Packs rows [i0, i0+mc) × k-range [p0, p0+kc) of op(a) into MR-row panels, zero-padded. */
function packPanelsA(
  a: Float32Array,
  m: number,
  k: number,
  transA: boolean,
  i0: number,
  mc: number,
  p0: number,
  kc: number,
): void {
  const out = packA;
  let o = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    for (let p = 0; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        const i = i0 + ir + r;
        out[o++] = r >= rows ? 0 : transA ? a[(p0 + p) * m + i] : a[i * k + p0 + p];
      }
    }
  }
}

/** Packs columns [j0, j0+nc) × k-range [p0, p0+kc) of op(b) into NR-column panels, zero-padded. */
function packPanelsB(
  b: Float32Array,
  n: number,
  k: number,
  transB: boolean,
  j0: number,
  nc: number,
  p0: number,
  kc: number,
): void {
  const out = packB;
  let o = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    for (let p = 0; p < kc; p++) {
      for (let q = 0; q < NR; q++) {
        const j = j0 + jr + q;
        out[o++] = q >= cols ? 0 : transB ? b[j * k + p0 + p] : b[(p0 + p) * n + j];
      }
    }
  }
}

/** c = op(a)·op(b) in pure JS; see {@link GemmShape} for the layouts. */
export function gemmJs(a: Float32Array, b: Float32Array, c: Float32Array, s: GemmShape): void {
  const { m, n, k, transA, transB } = s;
  if (k === 0) {
    c.fill(0, 0, m * n);
    return;
  }
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0);
    const first = p0 === 0;
    for (let j0 = 0; j0 < n; j0 += NC) {
      const nc = Math.min(NC, n - j0);
      packPanelsB(b, n, k, transB, j0, nc, p0, kc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packPanelsA(a, m, k, transA, i0, mc, p0, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          for (let ir = 0; ir < mc; ir += MR) {
            tile(
              c,
              n,
              i0 + ir,
              j0 + jr,
              Math.min(MR, mc - ir),
              Math.min(NR, nc - jr),
              ir * kc,
              jr * kc,
              kc,
              first,
            );
          }
        }
      }
    }
  }
}

/** One MR×NR tile of c over kc packed k-steps; stores when `first`, else accumulates. */
function tile(
  c: Float32Array,
  n: number,
  i: number,
  j: number,
  rows: number,
  cols: number,
  ai: number,
  bi: number,
  kc: number,
  first: boolean,
): void {
  const pa = packA;
  const pb = packB;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const b0 = pb[bi], b1 = pb[bi + 1], b2 = pb[bi + 2], b3 = pb[bi + 3];
    let av = pa[ai];
    c00 += av * b0, c01 += av * b1, c02 += av * b2, c03 += av * b3;
    av = pa[ai + 1];
    c10 += av * b0, c11 += av * b1, c12 += av * b2, c13 += av * b3;
    av = pa[ai + 2];
    c20 += av * b0, c21 += av * b1, c22 += av * b2, c23 += av * b3;
    av = pa[ai + 3];
    c30 += av * b0, c31 += av * b1, c32 += av * b2, c33 += av * b3;
    ai += MR;
    bi += NR;
  }
  if (rows === MR && cols === NR) {
    let o = i * n + j;
    if (first) {
      c[o] = c00, c[o + 1] = c01, c[o + 2] = c02, c[o + 3] = c03, o += n;
      c[o] = c10, c[o + 1] = c11, c[o + 2] = c12, c[o + 3] = c13, o += n;
      c[o] = c20, c[o + 1] = c21, c[o + 2] = c22, c[o + 3] = c23, o += n;
      c[o] = c30, c[o + 1] = c31, c[o + 2] = c32, c[o + 3] = c33;
    } else {
      c[o] += c00, c[o + 1] += c01, c[o + 2] += c02, c[o + 3] += c03, o += n;
      c[o] += c10, c[o + 1] += c11, c[o + 2] += c12, c[o + 3] += c13, o += n;
      c[o] += c20, c[o + 1] += c21, c[o + 2] += c22, c[o + 3] += c23, o += n;
      c[o] += c30, c[o + 1] += c31, c[o + 2] += c32, c[o + 3] += c33;
    }
    return;
  }
  const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      const o = (i + r) * n + j + q;
      c[o] = first ? t[r * NR + q] : c[o] + t[r * NR + q];
    }
  }
}
