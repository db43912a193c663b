/**
 * Elementwise math for losses and models: sub, div, scalar scale and shift, exp, log,
 * sigmoid, abs, and binary cross-entropy on logits.
 * @module
 */
import { sameShape, type Tensor } from "../tensor.ts";
import { elements, elementwiseCost, type InputSpec, type Op, requireShapes } from "./op.ts";

const X: ReadonlyArray<InputSpec> = [{ name: "x", dtype: "f32" }];
const AB: ReadonlyArray<InputSpec> = [{ name: "a", dtype: "f32" }, { name: "b", dtype: "f32" }];

function sameShapes(op: string, a: Tensor, b: Tensor): void {
  requireShapes(sameShape(a.shape, b.shape), op, "two tensors of the same shape", a, b);
}

/** c = a − b; ∂a = dc, ∂b = −dc. */
export const sub: Op = {
  name: "sub",
  inputs: AB,
  forward(b, [x, y]) {
    sameShapes("sub", x!, y!);
    return { out: b.kernels.sub(x!, y!), saved: [], aux: [] };
  },
  backward(b, _saved, _a, dy) {
    return [dy.retain(), b.kernels.scale(dy, -1)];
  },
  cost: (s) => elementwiseCost(elements(s), 2),
};

/** c = a / b; ∂a = dc / b, ∂b = −dc·c / b. */
export const div: Op = {
  name: "div",
  inputs: AB,
  forward(b, [x, y]) {
    sameShapes("div", x!, y!);
    const c = b.kernels.div(x!, y!);
    return { out: c, saved: [y!, c], aux: [] };
  },
  backward(b, [y, c], _a, dy) {
    const da = b.kernels.div(dy, y!);
    const t = b.kernels.mul(da, c!); // dc·c/b
    const db = b.kernels.scale(t, -1);
    t.release();
    return [da, db];
  },
  cost: (s) => elementwiseCost(elements(s), 2, 2),
};

/** Attributes of a scalar op. */
export interface ScalarAttrs {
  /** The scalar. */
  readonly value: number;
}

/** y = s·x; ∂x = s·dy. */
export const scale: Op<ScalarAttrs> = {
  name: "scale",
  inputs: X,
  forward(b, [x], { value }) {
    return { out: b.kernels.scale(x!, value), saved: [], aux: [] };
  },
  backward(b, _saved, { value }, dy) {
    return [b.kernels.scale(dy, value)];
  },
  cost: (s) => elementwiseCost(elements(s), 1),
};

/** y = x + t; ∂x = dy. */
export const addScalar: Op<ScalarAttrs> = {
  name: "addScalar",
  inputs: X,
  forward(b, [x], { value }) {
    return { out: b.kernels.addScalar(x!, value), saved: [], aux: [] };
  },
  backward(_b, _saved, _a, dy) {
    return [dy.retain()];
  },
  cost: (s) => elementwiseCost(elements(s), 1),
};

/** y = eˣ; ∂x = dy·y. */
export const exp: Op = {
  name: "exp",
  inputs: X,
  forward(b, [x]) {
    const y = b.kernels.exp(x!);
    return { out: y, saved: [y], aux: [] };
  },
  backward(b, [y], _a, dy) {
    return [b.kernels.mul(dy, y!)];
  },
  cost: (s) => elementwiseCost(elements(s), 1, 8),
};

/** y = ln x; ∂x = dy / x. */
export const log: Op = {
  name: "log",
  inputs: X,
  forward(b, [x]) {
    return { out: b.kernels.log(x!), saved: [x!], aux: [] };
  },
  backward(b, [x], _a, dy) {
    return [b.kernels.div(dy, x!)];
  },
  cost: (s) => elementwiseCost(elements(s), 1, 8),
};

/** y = σ(x); ∂x = dy·y(1 − y). */
export const sigmoid: Op = {
  name: "sigmoid",
  inputs: X,
  forward(b, [x]) {
    const y = b.kernels.sigmoid(x!);
    return { out: y, saved: [y], aux: [] };
  },
  backward(b, [y], _a, dy) {
    return [b.kernels.sigmoidBackward(y!, dy)];
  },
  cost: (s) => elementwiseCost(elements(s), 1, 8),
};

/** y = |x|; ∂x = dy·sign(x). */
export const abs: Op = {
  name: "abs",
  inputs: X,
  forward(b, [x]) {
    return { out: b.kernels.abs(x!), saved: [x!], aux: [] };
  },
  backward(b, [x], _a, dy) {
    return [b.kernels.absBackward(x!, dy)];
  },
  cost: (s) => elementwiseCost(elements(s), 1),
};

/**
 * Elementwise binary cross-entropy of logits z against targets t in [0, 1]:
 * max(z, 0) − z·t + ln(1 + e^{−|z|}); ∂z = dy·(σ(z) − t). No gradient flows to the targets.
 */
export const bceWithLogits: Op = {
  name: "bceWithLogits",
  inputs: [{ name: "logits", dtype: "f32" }, { name: "targets", dtype: "f32" }],
  forward(b, [z, t]) {
    sameShapes("bceWithLogits", z!, t!);
    return { out: b.kernels.bceLogits(z!, t!), saved: [z!, t!], aux: [] };
  },
  backward(b, [z, t], _a, dy) {
    return [b.kernels.bceLogitsBackward(z!, t!, dy), null];
  },
  cost: (s) => elementwiseCost(elements(s), 2, 10),
};
