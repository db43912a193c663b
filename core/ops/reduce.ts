/**
 * Sums over axes, in a fixed order (axes from the last to the first, each summed in
 * ascending index order), so a recompute gives the same bits.
 * @module
 */
import { InvalidArgument } from "../errors.ts";
import { reducedShape, type Shape, sizeOf, type Tensor } from "../tensor.ts";
import type { Op } from "./op.ts";

/** Attributes of `sum`. */
export interface SumAttrs {
  /** The axes summed over, distinct, each in [0, rank). */
  readonly axes: ReadonlyArray<number>;
  /** The input's shape (the backward broadcasts back to it). */
  readonly inputShape: Shape;
}

/**
 * The axes to sum, validated and sorted from last to first; none given means all.
 * @throws InvalidArgument naming an axis outside [−rank, rank) or a repeated one
 * @example
 * ```ts
 * import { sumAxes } from "@remat/core";
 * sumAxes([4, 3, 2], [0, -1]); // [2, 0]
 * ```
 */
export function sumAxes(shape: Shape, axes?: ReadonlyArray<number>): number[] {
  const rank = shape.length;
  const given = axes ?? shape.map((_, i) => i);
  const norm = given.map((a) => (Number.isInteger(a) && a >= -rank && a < rank ? (a + rank) % rank : NaN));
  const bad = given.find((_, i) => Number.isNaN(norm[i]!) || norm.indexOf(norm[i]!) !== i);
  if (bad !== undefined) {
    throw new InvalidArgument({
      name: "sum axes",
      value: [...given],
      expected: `distinct integers in [${-rank}, ${rank}) for a tensor of shape [${shape.join(", ")}]`,
    });
  }
  return norm.sort((p, q) => q - p);
}

/** y = Σ_axes x (shape: x's without the axes, [1] when none is left); ∂x = dy broadcast back. */
export const sum: Op<SumAttrs> = {
  name: "sum",
  inputs: [{ name: "x", dtype: "f32" }],
  forward(b, [x], { axes }) {
    let y: Tensor = x!;
    const aux: Tensor[] = [];
    for (const axis of axes) {
      const next = b.kernels.sumAxis(y, axis);
      if (y !== x) aux.push(y);
      y = next;
    }
    if (y === x) y = x!.retain(); // no axis: the identity, as a new reference
    return { out: y, saved: [], aux };
  },
  backward(b, _saved, { axes, inputShape }, dy) {
    // restore the axes from the first to the last: shapes[k] is the shape with axes[k..] summed
    let g = dy.retain();
    for (let k = axes.length - 1; k >= 0; k--) {
      let shape: Shape = inputShape;
      for (let j = 0; j < k; j++) shape = reducedShape(shape, axes[j]!);
      const next = b.kernels.broadcastAxis(g, shape, axes[k]!);
      g.release();
      g = next;
    }
    return [g];
  },
  cost(shapes) {
    const n = sizeOf(shapes[0]!);
    return { forward: { flops: n, bytes: 4 * n }, backward: { flops: 0, bytes: 4 * n } };
  },
};
