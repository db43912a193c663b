/**
 * 2-D pooling in NCHW: max and average over k×k windows with stride s and zero padding p
 * (the same along both axes), and global average pooling. The average divides by k² whatever
 * the padding (padded zeros count); the max ignores padded positions and takes the first
 * maximum of a window (row-major), so its gradient goes to one element, deterministically.
 * @module
 */
import { InvalidArgument } from "../errors.ts";
import { formatShape, type Shape, type Tensor } from "../tensor.ts";
import { type Op, requireShapes } from "./op.ts";

/** Attributes of the pooling ops. */
export interface Pool2dAttrs {
  /** Window size along both spatial axes. */
  readonly kernel: number;
  /** Stride; default the window size. */
  readonly stride?: number;
  /** Zero padding on each side; default 0 (at most half the window). */
  readonly padding?: number;
}

/** What the recorder passes the pooling ops: the attributes and the input's shape (for the backward). */
export interface PoolOpAttrs extends Pool2dAttrs {
  /** The input's shape [N, C, H, W]. */
  readonly inputShape: Shape;
}

/** The attributes with defaults filled in, as kernels receive them. */
export interface PoolGeometry {
  /** Window size. */
  readonly kernel: number;
  /** Stride. */
  readonly stride: number;
  /** Zero padding on each side. */
  readonly padding: number;
}

/**
 * The attributes with defaults, checked.
 * @throws InvalidArgument naming the attribute, the value and what is valid
 * @example
 * ```ts
 * import { poolGeometry } from "@remat/core";
 * poolGeometry({ kernel: 2 }); // { kernel: 2, stride: 2, padding: 0 }
 * ```
 */
export function poolGeometry(a: Pool2dAttrs): PoolGeometry {
  const g = { kernel: a.kernel, stride: a.stride ?? a.kernel, padding: a.padding ?? 0 };
  if (!Number.isInteger(g.kernel) || g.kernel < 1) {
    throw new InvalidArgument({ name: "pool kernel", value: g.kernel, expected: "an integer ≥ 1" });
  }
  if (!Number.isInteger(g.stride) || g.stride < 1) {
    throw new InvalidArgument({ name: "pool stride", value: g.stride, expected: "an integer ≥ 1" });
  }
  if (!Number.isInteger(g.padding) || g.padding < 0 || 2 * g.padding > g.kernel) {
    throw new InvalidArgument({
      name: "pool padding",
      value: g.padding,
      expected: `an integer in 0..${g.kernel >> 1} (at most half the window)`,
    });
  }
  return g;
}

/**
 * The output shape of a pooling op for x [N, C, H, W].
 * @example
 * ```ts
 * import { pool2dShape, poolGeometry } from "@remat/core";
 * pool2dShape([8, 16, 28, 28], poolGeometry({ kernel: 2 })); // [8, 16, 14, 14]
 * ```
 */
export function pool2dShape(x: Shape, g: PoolGeometry): Shape {
  const out = (n: number) => Math.floor((n + 2 * g.padding - g.kernel) / g.stride) + 1;
  return [x[0]!, x[1]!, out(x[2]!), out(x[3]!)];
}

function checkPool(op: string, x: Tensor, g: PoolGeometry): void {
  const out = pool2dShape(x.shape, g);
  requireShapes(
    x.shape.length === 4 && out[2]! >= 1 && out[3]! >= 1,
    op,
    `x [N, C, H, W] at least as large as the window (kernel ${g.kernel}, stride ${g.stride}, padding ${g.padding}; x ${
      formatShape(x.shape)
    })`,
    x,
  );
}

function poolCost(shapes: ReadonlyArray<Shape>, attrs: PoolOpAttrs) {
  const g = poolGeometry(attrs);
  const out = pool2dShape(shapes[0]!, g).reduce((p, q) => p * q, 1);
  const ins = shapes[0]!.reduce((p, q) => p * q, 1);
  const flops = out * g.kernel * g.kernel;
  return { forward: { flops, bytes: 4 * (ins + out) }, backward: { flops, bytes: 4 * (ins + 2 * out) } };
}

/** y = max over each window; ∂x = dy at each window's first maximum (row-major), 0 elsewhere. */
export const maxPool2d: Op<PoolOpAttrs> = {
  name: "maxPool2d",
  inputs: [{ name: "x", dtype: "f32" }],
  forward(b, [x], attrs) {
    const g = poolGeometry(attrs);
    checkPool("maxPool2d", x!, g);
    const { y, argmax } = b.kernels.maxPool2d(x!, g);
    return { out: y, saved: [argmax], aux: [argmax] };
  },
  backward(b, [argmax], attrs, dy) {
    return [b.kernels.maxPool2dBackward(dy, argmax!, poolGeometry(attrs), attrs.inputShape)];
  },
  cost: poolCost,
};

/** y = mean over each k×k window (padded zeros count); ∂x = Σ over the windows holding x of dy/k². */
export const avgPool2d: Op<PoolOpAttrs> = {
  name: "avgPool2d",
  inputs: [{ name: "x", dtype: "f32" }],
  forward(b, [x], attrs) {
    const g = poolGeometry(attrs);
    checkPool("avgPool2d", x!, g);
    return { out: b.kernels.avgPool2d(x!, g), saved: [], aux: [] };
  },
  backward(b, _saved, attrs, dy) {
    return [b.kernels.avgPool2dBackward(dy, poolGeometry(attrs), attrs.inputShape)];
  },
  cost: poolCost,
};
