/**
 * Normalising ops over the last dimension: softmax and layer norm.
 * @module
 */
import { formatShape } from "../tensor.ts";
import { elements, elementwiseCost, type Op, requireShapes } from "./op.ts";

/** y = softmax(x) over the last dim; ∂x = y ⊙ (dy − Σ dy ⊙ y). */
export const softmax: Op = {
  name: "softmax",
  inputs: [{ name: "x", dtype: "f32" }],
  forward(b, [x]) {
    requireShapes(x.shape.length >= 1, "softmax", "a tensor of rank ≥ 1", x);
    const y = b.kernels.softmax(x);
    return { out: y, saved: [y], aux: [] };
  },
  backward(b, [y], _a, dy) {
    return [b.kernels.softmaxBackward(y!, dy)];
  },
  cost: (s) => elementwiseCost(elements(s), 1, 5),
};

/** Attributes of layer norm. */
export interface LayernormAttrs {
  /** Added to the variance; default 1e-5. */
  readonly eps: number;
}

/**
 * y = (x − μ)·rstd·γ + β over the last dim, rstd = 1/√(σ² + eps);
 * ∂x = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)) with g = dy ⊙ γ; ∂γ = Σ dy ⊙ x̂; ∂β = Σ dy.
 */
export const layernorm: Op<LayernormAttrs> = {
  name: "layernorm",
  inputs: [{ name: "x", dtype: "f32" }, { name: "gamma", dtype: "f32" }, { name: "beta", dtype: "f32" }],
  forward(b, [x, gamma, beta], { eps }) {
    const d = x.shape[x.shape.length - 1];
    requireShapes(
      d !== undefined && gamma.shape.length === 1 && gamma.shape[0] === d && beta.shape.length === 1 &&
        beta.shape[0] === d,
      "layernorm",
      `gamma and beta of shape [${d}] for x ${formatShape(x.shape)}`,
      x,
      gamma,
      beta,
    );
    const { y, mean, rstd } = b.kernels.layernorm(x, gamma, beta, eps);
    return { out: y, saved: [x, gamma, mean, rstd], aux: [mean, rstd] };
  },
  backward(b, [x, gamma, mean, rstd], _a, dy) {
    const { dx, dgamma, dbeta } = b.kernels.layernormBackward(x!, gamma!, mean!, rstd!, dy);
    return [dx, dgamma, dbeta];
  },
  cost: (s) => elementwiseCost(elements(s), 1, 8),
};
