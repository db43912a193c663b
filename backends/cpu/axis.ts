/**
 * Sums over one axis and its adjoint, the broadcast along one axis. A tensor is viewed as
 * [outer, mid, inner] around the axis; the sum runs over mid in ascending order, so it is
 * bit-stable.
 * @module
 */
import { type KernelTable, reducedShape, type Shape, sizeOf } from "@remat/core";
import { type CpuBackend, f32 } from "./cpu_backend.ts";

/**
 * Elements before, along and after `axis`.
 * @example
 * ```ts
 * aroundAxis([4, 3, 2], 1); // { outer: 4, mid: 3, inner: 2 }
 * ```
 */
export function aroundAxis(shape: Shape, axis: number): { outer: number; mid: number; inner: number } {
  return {
    outer: sizeOf(shape.slice(0, axis)),
    mid: shape[axis]!,
    inner: sizeOf(shape.slice(axis + 1)),
  };
}

/**
 * `sumAxis` and `broadcastAxis` of a CPU backend.
 * @param bk the backend whose accountant owns the outputs
 * @example
 * ```ts
 * const { sumAxis } = axisKernels(new CpuBackend());
 * ```
 */
export function axisKernels(bk: CpuBackend): Pick<KernelTable, "sumAxis" | "broadcastAxis"> {
  return {
    sumAxis(x, axis) {
      const { outer, mid, inner } = aroundAxis(x.shape, axis);
      const t = bk.alloc(reducedShape(x.shape, axis), "f32");
      const y = f32(t), a = f32(x);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let s = 0;
          for (let m = 0; m < mid; m++) s += a[(o * mid + m) * inner + i]!;
          y[o * inner + i] = s;
        }
      }
      return t;
    },
    broadcastAxis(x, shape, axis) {
      const { outer, mid, inner } = aroundAxis(shape, axis);
      const t = bk.alloc(shape, "f32");
      const y = f32(t), a = f32(x);
      for (let o = 0; o < outer; o++) {
        for (let m = 0; m < mid; m++) y.set(a.subarray(o * inner, o * inner + inner), (o * mid + m) * inner);
      }
      return t;
    },
  };
}
