/**
 * 2-D pooling kernels in NCHW: direct loops, windows scanned row-major, backwards gathered per
 * input element over the windows that hold it (output positions ascending), so results are
 * bit-stable and match the WebGPU kernels' order.
 * @module
 */
import { type KernelTable, pool2dShape, type PoolGeometry, type Shape } from "@remat/core";
import { type CpuBackend, f32, i32 } from "./cpu_backend.ts";

/** The output rows (or columns) whose window holds input row (column) `h`: [first, last]. */
function windowsHolding(h: number, out: number, g: PoolGeometry): [number, number] {
  const first = Math.max(0, Math.ceil((h + g.padding - g.kernel + 1) / g.stride));
  const last = Math.min(out - 1, Math.floor((h + g.padding) / g.stride));
  return [first, last];
}

/**
 * The pooling kernels of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { maxPool2d } = poolKernels(new CpuBackend());
 * ```
 */
export function poolKernels(
  bk: CpuBackend,
): Pick<KernelTable, "maxPool2d" | "maxPool2dBackward" | "avgPool2d" | "avgPool2dBackward"> {
  /** Calls `each(plane, oh, ow, h0, v0)` for every output position; h0, v0 the window's corner. */
  const forEachWindow = (
    xShape: Shape,
    g: PoolGeometry,
    each: (plane: number, o: number, h0: number, v0: number) => void,
  ) => {
    const [N, C, H, W] = xShape as [number, number, number, number];
    const [, , Ho, Wo] = pool2dShape(xShape, g) as [number, number, number, number];
    for (let plane = 0; plane < N * C; plane++) {
      for (let oh = 0; oh < Ho; oh++) {
        for (let ow = 0; ow < Wo; ow++) {
          each(plane, (plane * Ho + oh) * Wo + ow, oh * g.stride - g.padding, ow * g.stride - g.padding);
        }
      }
    }
    return { H, W, Ho, Wo };
  };
  return {
    maxPool2d(xt, g) {
      const shape = pool2dShape(xt.shape, g);
      const yt = bk.alloc(shape, "f32"), at = bk.alloc(shape, "i32");
      const x = f32(xt), y = f32(yt), arg = i32(at);
      const [, , H, W] = xt.shape as [number, number, number, number];
      forEachWindow(xt.shape, g, (plane, o, h0, v0) => {
        let best = -Infinity, where = -1;
        for (let i = 0; i < g.kernel; i++) {
          const h = h0 + i;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < g.kernel; j++) {
            const v = v0 + j;
            if (v < 0 || v >= W) continue;
            const val = x[(plane * H + h) * W + v]!;
            if (val > best || where < 0) (best = val), (where = h * W + v);
          }
        }
        y[o] = best;
        arg[o] = where;
      });
      return { y: yt, argmax: at };
    },
    maxPool2dBackward(dyt, at, g, xShape) {
      const [N, C, H, W] = xShape as [number, number, number, number];
      const [, , Ho, Wo] = pool2dShape(xShape, g) as [number, number, number, number];
      const t = bk.alloc(xShape, "f32");
      const dx = f32(t), dy = f32(dyt), arg = i32(at);
      for (let plane = 0; plane < N * C; plane++) {
        for (let h = 0; h < H; h++) {
          const [oh0, oh1] = windowsHolding(h, Ho, g);
          for (let v = 0; v < W; v++) {
            const [ow0, ow1] = windowsHolding(v, Wo, g);
            let acc = 0;
            for (let oh = oh0; oh <= oh1; oh++) {
              for (let ow = ow0; ow <= ow1; ow++) {
                const o = (plane * Ho + oh) * Wo + ow;
                if (arg[o] === h * W + v) acc += dy[o]!;
              }
            }
            dx[(plane * H + h) * W + v] = acc;
          }
        }
      }
      return t;
    },
    avgPool2d(xt, g) {
      const t = bk.alloc(pool2dShape(xt.shape, g), "f32");
      const x = f32(xt), y = f32(t);
      const [, , H, W] = xt.shape as [number, number, number, number];
      const area = g.kernel * g.kernel;
      forEachWindow(xt.shape, g, (plane, o, h0, v0) => {
        let acc = 0;
        for (let i = 0; i < g.kernel; i++) {
          const h = h0 + i;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < g.kernel; j++) {
            const v = v0 + j;
            if (v >= 0 && v < W) acc += x[(plane * H + h) * W + v]!;
          }
        }
        y[o] = acc / area;
      });
      return t;
    },
    avgPool2dBackward(dyt, g, xShape) {
      const [N, C, H, W] = xShape as [number, number, number, number];
      const [, , Ho, Wo] = pool2dShape(xShape, g) as [number, number, number, number];
      const t = bk.alloc(xShape, "f32");
      const dx = f32(t), dy = f32(dyt);
      const area = g.kernel * g.kernel;
      for (let plane = 0; plane < N * C; plane++) {
        for (let h = 0; h < H; h++) {
          const [oh0, oh1] = windowsHolding(h, Ho, g);
          for (let v = 0; v < W; v++) {
            const [ow0, ow1] = windowsHolding(v, Wo, g);
            let acc = 0;
            for (let oh = oh0; oh <= oh1; oh++) {
              for (let ow = ow0; ow <= ow1; ow++) acc += dy[(plane * Ho + oh) * Wo + ow]!;
            }
            dx[(plane * H + h) * W + v] = acc / area;
          }
        }
      }
      return t;
    },
  };
}
