/**
 * Elementwise ops: add, mul, relu, gelu, tanh.
 * @module
 */
import { sameShape, type Tensor } from "../tensor.ts";
import { elements, elementwiseCost, type Op, requireShapes } from "./op.ts";

function sameShapes(op: string, a: Tensor, b: Tensor): void {
  requireShapes(sameShape(a.shape, b.shape), op, "two tensors of the same shape", a, b);
}

/** c = a + b; ∂a = ∂b = dc. */
export const add: Op = {
  name: "add",
  inputs: [{ name: "a", dtype: "f32" }, { name: "b", dtype: "f32" }],
  forward(b, [x, y]) {
    sameShapes("add", x, y);
    return { out: b.kernels.add(x, y), saved: [], aux: [] };
  },
  backward(_b, _saved, _a, dy) {
    return [dy.retain(), dy.retain()];
  },
  cost: (s) => elementwiseCost(elements(s), 2),
};

/** c = a ⊙ b; ∂a = dc ⊙ b, ∂b = dc ⊙ a. */
export const mul: Op = {
  name: "mul",
  inputs: [{ name: "a", dtype: "f32" }, { name: "b", dtype: "f32" }],
  forward(b, [x, y]) {
    sameShapes("mul", x, y);
    return { out: b.kernels.mul(x, y), saved: [x, y], aux: [] };
  },
  backward(b, [x, y], _a, dy) {
    return [b.kernels.mul(dy, y), b.kernels.mul(dy, x)];
  },
  cost: (s) => elementwiseCost(elements(s), 2),
};

/** y = max(x, 0); ∂x = dy·[x > 0]. */
export const relu: Op = {
  name: "relu",
  inputs: [{ name: "x", dtype: "f32" }],
  forward(b, [x]) {
    return { out: b.kernels.relu(x), saved: [x], aux: [] };
  },
  backward(b, [x], _a, dy, options) {
    return [b.kernels.reluBackward(x, dy, options?.dyIsScratch)];
  },
  cost: (s) => elementwiseCost(elements(s), 1),
};

/** y = gelu(x) (tanh approximation); ∂x = dy·gelu'(x). */
export const gelu: Op = {
  name: "gelu",
  inputs: [{ name: "x", dtype: "f32" }],
  forward(b, [x]) {
    return { out: b.kernels.gelu(x), saved: [x], aux: [] };
  },
  backward(b, [x], _a, dy, options) {
    return [b.kernels.geluBackward(x, dy, options?.dyIsScratch)];
  },
  cost: (s) => elementwiseCost(elements(s), 1, 12),
};

/** y = tanh x; ∂x = dy·(1 − y²). */
export const tanh: Op = {
  name: "tanh",
  inputs: [{ name: "x", dtype: "f32" }],
  forward(b, [x]) {
    const y = b.kernels.tanh(x);
    return { out: y, saved: [y], aux: [] };
  },
  backward(b, [y], _a, dy) {
    return [b.kernels.tanhBackward(y, dy)];
  },
  cost: (s) => elementwiseCost(elements(s), 1, 8),
};
