/**
 * Causal multi-head self-attention core.
 * @module
 */
import { formatShape, sameShape } from "../tensor.ts";
import { type Op, requireShapes } from "./op.ts";

/** Attributes of attention. */
export interface AttentionAttrs {
  /** Number of heads; the model width is split evenly among them. */
  readonly heads: number;
  /** Whether position t may only attend to positions ≤ t. */
  readonly causal: boolean;
}

/**
 * out = softmax(q·kᵀ/√dh + mask)·v per head; with P the probabilities:
 * ∂v = Pᵀ·dout, ∂S = P ⊙ (dout·vᵀ − rowsum), ∂q = ∂S·k/√dh, ∂k = ∂Sᵀ·q/√dh.
 */
export const attention: Op<AttentionAttrs> = {
  name: "attention",
  inputs: [{ name: "q", dtype: "f32" }, { name: "k", dtype: "f32" }, { name: "v", dtype: "f32" }],
  forward(b, [q, k, v], { heads, causal }) {
    const d = q.shape[2] ?? 0;
    requireShapes(
      q.shape.length === 3 && sameShape(q.shape, k.shape) && sameShape(q.shape, v.shape) &&
        heads >= 1 && Number.isInteger(heads) && d % heads === 0,
      "attention",
      `q, k, v of one shape [B, T, D] with D divisible by heads=${heads} (q ${formatShape(q.shape)})`,
      q,
      k,
      v,
    );
    const { out, probs } = b.kernels.attention(q, k, v, heads, causal);
    return { out, saved: [q, k, v, probs], aux: [probs] };
  },
  backward(b, [q, k, v, probs], { heads }, dout) {
    const { dq, dk, dv } = b.kernels.attentionBackward(q!, k!, v!, probs!, dout, heads);
    return [dq, dk, dv];
  },
  cost(shapes, { heads }) {
    const [bs = 1, t = 1, d = 1] = shapes[0]!;
    const flops = 4 * bs * t * t * d + 5 * bs * heads * t * t;
    const bytes = 4 * (4 * bs * t * d + 2 * bs * heads * t * t);
    return { forward: { flops, bytes }, backward: { flops: 2 * flops, bytes: 2 * bytes } };
  },
};
