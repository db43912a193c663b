/**
 * 2-D convolution kernels in NCHW, direct loops in a fixed order (the sums run over the
 * filter taps or the output positions in ascending order), so results are bit-stable and the
 * WebGPU kernels can follow the same order. Sums in float64, stored as f32.
 * @module
 */
import { conv2dShape, type ConvGeometry, type KernelTable } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

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
  return {
    conv2d(xt, wt, g) {
      const [N, C, H, W] = xt.shape as [number, number, number, number];
      const [K, , kh, kw] = wt.shape as [number, number, number, number];
      const [, , Ho, Wo] = conv2dShape(xt.shape, wt.shape, g) as [number, number, number, number];
      const t = bk.alloc([N, K, Ho, Wo], "f32");
      const y = f32(t), x = f32(xt), w = f32(wt);
      const { stride: s, padding: p, dilation: d } = g;
      for (let n = 0; n < N; n++) {
        for (let k = 0; k < K; k++) {
          for (let oh = 0; oh < Ho; oh++) {
            for (let ow = 0; ow < Wo; ow++) {
              let acc = 0;
              for (let c = 0; c < C; c++) {
                for (let i = 0; i < kh; i++) {
                  const h = oh * s - p + i * d;
                  if (h < 0 || h >= H) continue;
                  for (let j = 0; j < kw; j++) {
                    const v = ow * s - p + j * d;
                    if (v < 0 || v >= W) continue;
                    acc += x[((n * C + c) * H + h) * W + v]! * w[((k * C + c) * kh + i) * kw + j]!;
                  }
                }
              }
              y[((n * K + k) * Ho + oh) * Wo + ow] = acc;
            }
          }
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
      for (let n = 0; n < N; n++) {
        for (let c = 0; c < C; c++) {
          for (let h = 0; h < H; h++) {
            for (let v = 0; v < W; v++) {
              dx[((n * C + c) * H + h) * W + v] = gatherInput(
                { dy, w, K, C, kh, kw, Ho, Wo },
                g,
                [n, c, h, v],
              );
            }
          }
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
      for (let k = 0; k < K; k++) {
        for (let c = 0; c < C; c++) {
          for (let i = 0; i < kh; i++) {
            for (let j = 0; j < kw; j++) {
              let acc = 0;
              for (let n = 0; n < N; n++) {
                for (let oh = 0; oh < Ho; oh++) {
                  const h = oh * s - p + i * d;
                  if (h < 0 || h >= H) continue;
                  for (let ow = 0; ow < Wo; ow++) {
                    const v = ow * s - p + j * d;
                    if (v < 0 || v >= W) continue;
                    acc += dy[((n * K + k) * Ho + oh) * Wo + ow]! * x[((n * C + c) * H + h) * W + v]!;
                  }
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

/** ∂x at [n, c, h, v]: Σ over (k, i, j) in order of dy at the output the tap (i, j) maps (h, v) to. */
function gatherInput(
  a: {
    dy: Float32Array;
    w: Float32Array;
    K: number;
    C: number;
    kh: number;
    kw: number;
    Ho: number;
    Wo: number;
  },
  g: ConvGeometry,
  [n, c, h, v]: readonly [number, number, number, number],
): number {
  const { stride: s, padding: p, dilation: d } = g;
  let acc = 0;
  for (let k = 0; k < a.K; k++) {
    for (let i = 0; i < a.kh; i++) {
      const th = h + p - i * d; // = oh·s
      if (th < 0 || th % s !== 0) continue;
      const oh = th / s;
      if (oh >= a.Ho) continue;
      for (let j = 0; j < a.kw; j++) {
        const tv = v + p - j * d;
        if (tv < 0 || tv % s !== 0) continue;
        const ow = tv / s;
        if (ow >= a.Wo) continue;
        acc += a.dy[((n * a.K + k) * a.Ho + oh) * a.Wo + ow]! * a.w[((k * a.C + c) * a.kh + i) * a.kw + j]!;
      }
    }
  }
  return acc;
}
