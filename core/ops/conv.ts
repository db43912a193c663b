/**
 * 2-D convolution in NCHW layout: x [N, C, H, W], filters w [K, C, kh, kw], y [N, K, Ho, Wo]
 * with Ho = ⌊(H + 2p − d(kh − 1) − 1)/s⌋ + 1 (likewise Wo), for stride s, zero padding p and
 * dilation d, the same along both axes. No bias: add one with a per-channel op, or follow the
 * convolution with batch norm as residual networks do.
 * @module
 */
import { InvalidArgument } from "../errors.ts";
import { formatShape, type Shape, type Tensor } from "../tensor.ts";
import { gradientAs, type Op, requireShapes } from "./op.ts";

/** Attributes of `conv2d`. */
export interface Conv2dAttrs {
  /** Stride along both spatial axes; default 1. */
  readonly stride?: number;
  /** Zero padding on each side of both spatial axes; default 0. */
  readonly padding?: number;
  /** Dilation of the filter taps; default 1. */
  readonly dilation?: number;
}

/** The attributes with their defaults filled in, as kernels receive them. */
export interface ConvGeometry {
  /** Stride along both spatial axes. */
  readonly stride: number;
  /** Zero padding on each side of both spatial axes. */
  readonly padding: number;
  /** Dilation of the filter taps. */
  readonly dilation: number;
}

/**
 * The attributes with defaults, checked: stride and dilation positive integers, padding a
 * non-negative integer.
 * @throws InvalidArgument naming the attribute and the value
 * @example
 * ```ts
 * import { convGeometry } from "@remat/core";
 * convGeometry({ stride: 2 }); // { stride: 2, padding: 0, dilation: 1 }
 * ```
 */
export function convGeometry(a: Conv2dAttrs = {}): ConvGeometry {
  const g = { stride: a.stride ?? 1, padding: a.padding ?? 0, dilation: a.dilation ?? 1 };
  for (
    const [name, v, min] of [["stride", g.stride, 1], ["padding", g.padding, 0], [
      "dilation",
      g.dilation,
      1,
    ]] as const
  ) {
    if (!Number.isInteger(v) || v < min) {
      throw new InvalidArgument({ name: `conv2d ${name}`, value: v, expected: `an integer ≥ ${min}` });
    }
  }
  return g;
}

/**
 * The output size along one spatial axis, or a non-positive number when the filter does not fit.
 * @example
 * ```ts
 * import { convOutputSize } from "@remat/core";
 * convOutputSize(28, 3, { stride: 1, padding: 1, dilation: 1 }); // 28
 * ```
 */
export function convOutputSize(size: number, kernel: number, g: ConvGeometry): number {
  return Math.floor((size + 2 * g.padding - g.dilation * (kernel - 1) - 1) / g.stride) + 1;
}

/**
 * The output shape of `conv2d` for x [N, C, H, W] and w [K, C, kh, kw].
 * @example
 * ```ts
 * import { conv2dShape, convGeometry } from "@remat/core";
 * conv2dShape([8, 3, 32, 32], [16, 3, 3, 3], convGeometry({ padding: 1 })); // [8, 16, 32, 32]
 * ```
 */
export function conv2dShape(x: Shape, w: Shape, g: ConvGeometry): Shape {
  return [x[0]!, w[0]!, convOutputSize(x[2]!, w[2]!, g), convOutputSize(x[3]!, w[3]!, g)];
}

function checkConv(x: Tensor, w: Tensor, g: ConvGeometry): Shape {
  const out = conv2dShape(x.shape, w.shape, g);
  requireShapes(
    x.shape.length === 4 && w.shape.length === 4 && x.shape[1] === w.shape[1] && out[2]! >= 1 && out[3]! >= 1,
    "conv2d",
    `x [N, C, H, W] and w [K, C, kh, kw] with equal C and a filter that fits the padded input (stride ${g.stride}, padding ${g.padding}, dilation ${g.dilation}; x ${
      formatShape(x.shape)
    }, w ${formatShape(w.shape)})`,
    x,
    w,
  );
  return out;
}

/**
 * y = conv2d(x, w); ∂x[n,c,h,v] = Σ_{k,i,j} dy[n,k,oh,ow]·w[k,c,i,j] over the taps that reach
 * (h, v); ∂w[k,c,i,j] = Σ_{n,oh,ow} dy[n,k,oh,ow]·x[n,c,oh·s−p+i·d, ow·s−p+j·d].
 */
export const conv2d: Op<Conv2dAttrs> = {
  name: "conv2d",
  inputs: [{ name: "x", dtype: "f32" }, { name: "w", dtype: "f32" }],
  forward(b, [x, w], attrs) {
    const g = convGeometry(attrs);
    checkConv(x!, w!, g);
    return { out: b.kernels.conv2d(x!, w!, g), saved: [x!, w!], aux: [] };
  },
  backward(b, [x, w], attrs, dy, options) {
    const g = convGeometry(attrs);
    const kinds = options?.kinds;
    return [
      gradientAs(b, kinds, 0, () => b.kernels.conv2dBackwardInput(dy, w!, g, x!.shape)),
      gradientAs(b, kinds, 1, () => b.kernels.conv2dBackwardFilter(x!, dy, g, w!.shape)),
    ];
  },
  cost(shapes, attrs) {
    const [x, w] = shapes as [Shape, Shape];
    const out = conv2dShape(x, w, convGeometry(attrs));
    const macs = out[0]! * out[1]! * out[2]! * out[3]! * w[1]! * w[2]! * w[3]!;
    const bytes = 4 *
      (x.reduce((p, q) => p * q, 1) + w.reduce((p, q) => p * q, 1) + out.reduce((p, q) => p * q, 1));
    return { forward: { flops: 2 * macs, bytes }, backward: { flops: 4 * macs, bytes: 2 * bytes } };
  },
};
