/**
 * Shape ops: reshape (a view, no copy) and transpose of the last two dimensions.
 * @module
 */
import { view } from "../backend.ts";
import { formatShape, type Shape, sizeOf } from "../tensor.ts";
import { elements, elementwiseCost, type Op, requireShapes } from "./op.ts";

/** Attributes of reshape. */
export interface ReshapeAttrs {
  /** The new shape; its size must equal the input's. */
  readonly shape: Shape;
}

/** y = x viewed as `shape`; ∂x = dy viewed as x's shape. */
export const reshape: Op<ReshapeAttrs> = {
  name: "reshape",
  inputs: [{ name: "x", dtype: "any" }],
  forward(_b, [x], { shape }) {
    requireShapes(
      sizeOf(shape) === x.size && shape.every((d) => Number.isInteger(d) && d >= 0),
      "reshape",
      `a target with ${x.size} elements (target ${formatShape(shape)})`,
      x,
    );
    return { out: view(x, shape), saved: [x], aux: [] };
  },
  backward(_b, [x], _a, dy) {
    return [view(dy, x.shape)];
  },
  cost: () => ({ forward: { flops: 0, bytes: 0 }, backward: { flops: 0, bytes: 0 } }),
};

/** y = x with the last two dimensions swapped; ∂x = transpose(dy). */
export const transpose: Op = {
  name: "transpose",
  inputs: [{ name: "x", dtype: "any" }],
  forward(b, [x]) {
    requireShapes(x.shape.length >= 2, "transpose", "a tensor of rank ≥ 2", x);
    return { out: b.kernels.transpose(x), saved: [], aux: [] };
  },
  backward(b, _saved, _a, dy) {
    return [b.kernels.transpose(dy)];
  },
  cost: (s) => elementwiseCost(elements(s), 1, 0),
};
