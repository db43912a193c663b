/**
 * The losses remat ships, each a `LossStage` written with recorder ops, so a user's own loss
 * is written the same way. A loss returns a scalar [1]; its inputs are the last activation
 * x_n and the targets, whose dtype and shape the chain declares (`chain.target`).
 * @module
 */
import type { LossStage } from "./chain.ts";
import { requireDType, requireShapes } from "./ops/op.ts";
import type { Recorder } from "./recorder.ts";
import { formatShape, sameShape, type Tensor } from "./tensor.ts";

/** Mean cross-entropy of logits [..., C] against i32 class ids [...]. */
export const crossEntropyLoss: LossStage = {
  name: "cross-entropy",
  forward(ctx, x, target) {
    const classes = x.shape[x.shape.length - 1]!;
    const rows = x.size / classes;
    requireShapes(
      target.size === rows,
      "crossEntropyLoss",
      `class ids with one entry per row of logits ${formatShape(x.shape)} (${rows})`,
      x,
      target,
    );
    const logits = x.shape.length === 2 ? x : ctx.reshape(x, [rows, classes]);
    const labels = target.shape.length === 1 ? target : ctx.reshape(target, [rows]);
    return ctx.crossEntropy(logits, labels);
  },
};

/** Predictions and f32 targets of the same shape, checked; returns their difference. */
function residual(ctx: Recorder, loss: string, x: Tensor, target: Tensor): Tensor {
  requireDType(target, "f32", loss, "targets");
  requireShapes(
    sameShape(x.shape, target.shape),
    loss,
    "predictions and targets of the same shape",
    x,
    target,
  );
  return ctx.sub(x, target);
}

/** Mean squared error: mean((x − y)²) over every element, against f32 targets of x's shape. */
export const mseLoss: LossStage = {
  name: "mean-squared-error",
  forward(ctx, x, target) {
    const d = residual(ctx, "mseLoss", x, target);
    return ctx.mean(ctx.mul(d, d));
  },
};

/** Mean absolute error (L1): mean|x − y| over every element, against f32 targets of x's shape. */
export const l1Loss: LossStage = {
  name: "mean-absolute-error",
  forward(ctx, x, target) {
    return ctx.mean(ctx.abs(residual(ctx, "l1Loss", x, target)));
  },
};

/**
 * Binary cross-entropy with logits: mean over every element of
 * max(z, 0) − z·y + ln(1 + e^{−|z|}), against f32 targets in [0, 1] of the logits' shape.
 */
export const bceWithLogitsLoss: LossStage = {
  name: "binary-cross-entropy-with-logits",
  forward(ctx, x, target) {
    requireDType(target, "f32", "bceWithLogitsLoss", "targets");
    requireShapes(
      sameShape(x.shape, target.shape),
      "bceWithLogitsLoss",
      "logits and targets of the same shape",
      x,
      target,
    );
    return ctx.mean(ctx.bceWithLogits(x, target));
  },
};
