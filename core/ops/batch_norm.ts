/**
 * Batch normalisation over the channel axis of x [N, C, ...] (NCHW images or [N, C] features):
 * in training, y = (x − μ_B)·rstd_B·γ + β with the batch's per-channel mean and biased
 * variance, and the running statistics move toward the batch's (running ← (1 − m)·running +
 * m·batch, the variance unbiased) exactly once per training step — on the stage's first
 * forward of the step, never during a recompute; in evaluation, the running statistics
 * normalise. The running mean and variance are stage parameters declared `state: true`.
 * @module
 */
import { InvalidArgument } from "../errors.ts";
import { formatShape, type Tensor } from "../tensor.ts";
import { type Op, requireShapes } from "./op.ts";

/** Options of a batch norm layer. */
export interface BatchNormOptions {
  /** Added to the variance; default 1e-5. */
  readonly eps?: number;
  /** Weight of the batch's statistics in the running ones; default 0.1. */
  readonly momentum?: number;
}

/** What the recorder passes the op: the options and the mode of this forward. */
export interface BatchNormAttrs extends BatchNormOptions {
  /** Training (batch statistics) or evaluation (running statistics). */
  readonly training: boolean;
  /** Update the running statistics in this forward (the step's first forward of the stage). */
  readonly update: boolean;
}

function check(x: Tensor, gamma: Tensor, beta: Tensor, mean: Tensor, variance: Tensor): void {
  const c = x.shape[1];
  requireShapes(
    x.shape.length >= 2 &&
      [gamma, beta, mean, variance].every((t) => t.shape.length === 1 && t.shape[0] === c),
    "batchNorm",
    `x [N, C, ...] and gamma, beta, running mean and variance of shape [C] (x ${formatShape(x.shape)})`,
    x,
    gamma,
    beta,
    mean,
    variance,
  );
}

function options(a: BatchNormOptions): { eps: number; momentum: number } {
  const o = { eps: a.eps ?? 1e-5, momentum: a.momentum ?? 0.1 };
  if (!(o.eps > 0)) {
    throw new InvalidArgument({ name: "batchNorm eps", value: o.eps, expected: "a number > 0" });
  }
  if (!(o.momentum >= 0 && o.momentum <= 1)) {
    throw new InvalidArgument({
      name: "batchNorm momentum",
      value: o.momentum,
      expected: "a number in [0, 1]",
    });
  }
  return o;
}

/**
 * Inputs x, gamma, beta, running mean, running variance. Training: ∂x = γ·rstd·(dy − Σdy/M −
 * x̂·Σ(dy·x̂)/M), ∂γ = Σ dy·x̂, ∂β = Σ dy over the M = N·spatial elements of each channel; no
 * gradient reaches the running statistics. Evaluation has no backward.
 */
export const batchNorm: Op<BatchNormAttrs> = {
  name: "batchNorm",
  inputs: [
    { name: "x", dtype: "f32" },
    { name: "gamma", dtype: "f32" },
    { name: "beta", dtype: "f32" },
    { name: "runningMean", dtype: "f32" },
    { name: "runningVar", dtype: "f32" },
  ],
  forward(b, [x, gamma, beta, rm, rv], attrs) {
    check(x!, gamma!, beta!, rm!, rv!);
    const o = options(attrs);
    if (!attrs.training) {
      return { out: b.kernels.batchNormInference(x!, gamma!, beta!, rm!, rv!, o.eps), saved: [], aux: [] };
    }
    const { y, mean, rstd } = b.kernels.batchNorm(x!, gamma!, beta!, o.eps);
    if (attrs.update) {
      b.kernels.batchNormUpdate(rm!, rv!, mean, rstd, {
        eps: o.eps,
        momentum: o.momentum,
        count: x!.size / x!.shape[1]!,
      });
    }
    return { out: y, saved: [x!, gamma!, mean, rstd], aux: [mean, rstd] };
  },
  backward(b, saved, attrs, dy) {
    if (!attrs.training) {
      throw new InvalidArgument({
        name: "batchNorm backward",
        value: "evaluation mode",
        expected: "a training forward",
      });
    }
    const [x, gamma, mean, rstd] = saved;
    // one kernel makes all three; the tape retags γ's and β's gradients as parameter gradients
    const r = b.kernels.batchNormBackward(x!, gamma!, mean!, rstd!, dy);
    return [r.dx, r.dgamma, r.dbeta, null, null];
  },
  cost(shapes) {
    const n = shapes[0]!.reduce((p, q) => p * q, 1);
    return { forward: { flops: 8 * n, bytes: 12 * n }, backward: { flops: 12 * n, bytes: 16 * n } };
  },
};
