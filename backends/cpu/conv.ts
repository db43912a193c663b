/**
 * 2-D convolution kernels in NCHW, direct loops in a fixed order, so results are bit-stable and
 * the WebGPU kernels can follow the same order:
 * - conv2d: y[n,k,oh,ow] = Σ over (c, i, j) ascending of x·w;
 * - ∂x[n,c,h,v] = Σ over (k, i, j) ascending of dy·w (each tap reaches a given input once);
 * - ∂w[k,c,i,j] = Σ over (n, oh, ow) ascending of dy·x.
 * Sums run in float64 and are stored as f32.
 *
 * The loops are arranged so that the innermost one walks a row of output (or input) positions
 * with the valid range computed beforehand: conv2d and ∂x accumulate a whole plane per tap into
 * a float64 scratch plane (Ho·Wo or H·W values, reused across calls and outside the activation
 * accounting: it is at most one plane of one example, not a workspace of the size of the
 * input), which adds the terms of every element in the same order as a per-element loop.
 * @module
 */
import { conv2dShape, type ConvGeometry, type KernelTable } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

/** Index range [lo, hi) of output positions o with 0 ≤ o·s − p + t·d < size. */
function validRange(size: number, out: number, g: ConvGeometry, tap: number): [number, number] {
  const shift = tap * g.dilation - g.padding; // input index = o·s + shift
  const lo = Math.max(0, Math.ceil(-shift / g.stride));
  const hi = Math.min(out, Math.floor((size - 1 - shift) / g.stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/** A float64 plane of at least `size` zeros, reused from call to call. */
function scratchPlane(): (size: number) => Float64Array {
  let plane = new Float64Array(0);
  return (size) => {
    if (plane.length < size) plane = new Float64Array(size);
    const view = plane.subarray(0, size);
    view.fill(0);
    return view;
  };
}

/**
 * The conv2d kernels of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { conv2d } = convKernels(new CpuBackend());
 * ```
 */
export function convKernels(
  bk: CpuBackend,
): Pick<KernelTable, "conv2d" | "conv2dBackwardInput" | "conv2dBackwardFilter"> {
  const zeroPlane = scratchPlane();
  return {
    conv2d(xt, wt, g) {
      const [N, C, H, W] = xt.shape as [number, number, number, number];
      const [K, , kh, kw] = wt.shape as [number, number, number, number];
      const [, , Ho, Wo] = conv2dShape(xt.shape, wt.shape, g) as [number, number, number, number];
      const t = bk.alloc([N, K, Ho, Wo], "f32");
      const y = f32(t), x = f32(xt), w = f32(wt);
      const { stride: s, padding: p, dilation: d } = g;
      const rows = Array.from({ length: kh }, (_, i) => validRange(H, Ho, g, i));
      const cols = Array.from({ length: kw }, (_, j) => validRange(W, Wo, g, j));
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++) {
          const acc = zeroPlane(Ho * Wo);
          for (let c = 0; c < C; c++) {
            const xPlane = (n * C + c) * H * W;
            for (let i = 0; i < kh; i++) {
              const [ohLo, ohHi] = rows[i]!;
              for (let j = 0; j < kw; j++) {
                const [owLo, owHi] = cols[j]!;
                const wv = w[((k * C + c) * kh + i) * kw + j]!;
                const shift = j * d - p;
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const xRow = xPlane + (oh * s - p + i * d) * W + shift;
                  const aRow = oh * Wo;
                  for (let ow = owLo; ow < owHi; ow++) acc[aRow + ow] += x[xRow + ow * s]! * wv;
                }
              }
            }
          }
          y.set(acc, (n * K + k) * Ho * Wo);
        }
      }
      return t;
    },
    conv2dBackwardInput(dyt, wt, g, xShape) {
      const [N, C, H, W] = xShape as [number, number, number, number];
      const [K, , kh, kw] = wt.shape as [number, number, number, number];
      const [, , Ho, Wo] = dyt.shape as [number, number, number, number];
      const t = bk.alloc(xShape, "f32");
      const dx = f32(t), dy = f32(dyt), w = f32(wt);
      const { stride: s, padding: p, dilation: d } = g;
      const rows = Array.from({ length: kh }, (_, i) => validRange(H, Ho, g, i));
      const cols = Array.from({ length: kw }, (_, j) => validRange(W, Wo, g, j));
      for (let n = 0; n < N; n++) {
        for (let c = 0; c < C; c++) {
          const acc = zeroPlane(H * W);
          for (let k = 0; k < K; k++) {
            const dyPlane = (n * K + k) * Ho * Wo;
            for (let i = 0; i < kh; i++) {
              const [ohLo, ohHi] = rows[i]!;
              for (let j = 0; j < kw; j++) {
                const [owLo, owHi] = cols[j]!;
                const wv = w[((k * C + c) * kh + i) * kw + j]!;
                const shift = j * d - p;
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const aRow = (oh * s - p + i * d) * W + shift;
                  const dyRow = dyPlane + oh * Wo;
                  for (let ow = owLo; ow < owHi; ow++) acc[aRow + ow * s] += dy[dyRow + ow]! * wv;
                }
              }
            }
          }
          dx.set(acc, (n * C + c) * H * W);
        }
      }
      return t;
    },
    conv2dBackwardFilter(xt, dyt, g, wShape) {
      const [N, C, H, W] = xt.shape as [number, number, number, number];
      const [K, , kh, kw] = wShape as [number, number, number, number];
      const [, , Ho, Wo] = dyt.shape as [number, number, number, number];
      const t = bk.alloc(wShape, "f32");
      const dw = f32(t), dy = f32(dyt), x = f32(xt);
      const { stride: s, padding: p, dilation: d } = g;
      const rows = Array.from({ length: kh }, (_, i) => validRange(H, Ho, g, i));
      const cols = Array.from({ length: kw }, (_, j) => validRange(W, Wo, g, j));
      for (let k = 0; k < K; k++) {
        for (let c = 0; c < C; c++) {
          for (let i = 0; i < kh; i++) {
            const [ohLo, ohHi] = rows[i]!;
            for (let j = 0; j < kw; j++) {
              const [owLo, owHi] = cols[j]!;
              const shift = j * d - p;
              let acc = 0;
              for (let n = 0; n < N; n++) {
                const xPlane = (n * C + c) * H * W, dyPlane = (n * K + k) * Ho * Wo;
                for (let oh = ohLo; oh < ohHi; oh++) {
                  const xRow = xPlane + (oh * s - p + i * d) * W + shift;
                  const dyRow = dyPlane + oh * Wo;
                  for (let ow = owLo; ow < owHi; ow++) acc += dy[dyRow + ow]! * x[xRow + ow * s]!;
                }
              }
              dw[((k * C + c) * kh + i) * kw + j] = acc;
            }
          }
        }
      }
      return t;
    },
  };
}
