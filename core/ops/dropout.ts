/**
 * Dropout with a counter-based mask: recomputation draws the identical mask.
 * @module
 */
import { elements, elementwiseCost, type Op } from "./op.ts";

/** Attributes of dropout: drop probability and the mask's key hash (see random.ts). */
export interface DropoutAttrs {
  /** Probability of dropping an element, in [0, 1). */
  readonly p: number;
  /** The mask's key hash (see `keyHash`). */
  readonly keyHash: number;
}

/** y = x·keep/(1 − p); ∂x = dy·keep/(1 − p) with the mask regenerated from the key, not stored. */
export const dropout: Op<DropoutAttrs> = {
  name: "dropout",
  inputs: [{ name: "x", dtype: "f32" }],
  forward(b, [x], { p, keyHash }) {
    return { out: b.kernels.dropout(x, p, keyHash), saved: [], aux: [] };
  },
  backward(b, _saved, { p, keyHash }, dy, options) {
    return [b.kernels.dropoutBackward(dy, p, keyHash, options?.dyIsScratch)];
  },
  cost: (s) => elementwiseCost(elements(s), 1, 10),
};
