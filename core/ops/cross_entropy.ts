/**
 * Mean cross-entropy loss.
 * @module
 */
import { formatShape } from "../tensor.ts";
import { type Op, requireDType, requireShapes } from "./op.ts";

/** loss = −mean_r log softmax(logits)[r, label_r]; ∂logits = (softmax − onehot)·dloss/N. */
export const crossEntropy: Op = {
  name: "crossEntropy",
  inputs: [{ name: "logits", dtype: "f32" }, { name: "labels", dtype: "i32" }],
  forward(b, [logits, labels]) {
    requireDType(labels, "i32", "crossEntropy", "labels");
    requireShapes(
      logits.shape.length === 2 && labels.shape.length === 1 && labels.shape[0] === logits.shape[0],
      "crossEntropy",
      `logits [N, C] and labels [N] (logits ${formatShape(logits.shape)}, labels ${
        formatShape(labels.shape)
      })`,
      logits,
      labels,
    );
    const { loss, probs } = b.kernels.crossEntropy(logits, labels);
    return { out: loss, saved: [probs, labels], aux: [probs] };
  },
  backward(b, [probs, labels], _a, dloss) {
    return [b.kernels.crossEntropyBackward(probs!, labels!, dloss), null];
  },
  cost(shapes) {
    const [n = 1, c = 1] = shapes[0]!;
    return {
      forward: { flops: 5 * n * c, bytes: 8 * n * c },
      backward: { flops: 2 * n * c, bytes: 8 * n * c },
    };
  },
};
