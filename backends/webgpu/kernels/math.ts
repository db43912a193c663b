/**
 * Elementwise math kernels for losses and models, as `mapKernel` formulas: sub, div, scalar
 * shift, exp, log, sigmoid, abs and binary cross-entropy on logits. Exponentials take
 * non-positive arguments only, so nothing overflows to NaN.
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";
import { mapKernel, mapRunner } from "./elementwise.ts";

/** WGSL: σ(v) from e^{−|v|} (never overflows): 1/(1 + e) for v ≥ 0, e/(1 + e) below. */
const SIGMOID =
  /* wgsl */ `select(exp(-abs(ai)) / (1.0 + exp(-abs(ai))), 1.0 / (1.0 + exp(-abs(ai))), ai >= 0.0)`;

const SUB = mapKernel("sub", 2, "ai - bi");
const DIV = mapKernel("div", 2, "ai / bi");
const ADD_SCALAR = mapKernel("addScalar", 1, "ai + s");
const EXP = mapKernel("exp", 1, "exp(ai)");
const LOG = mapKernel("log", 1, "log(ai)");
const SIGMOID_K = mapKernel("sigmoid", 1, SIGMOID);
const SIGMOID_BACKWARD = mapKernel("sigmoidBackward", 2, "bi * ai * (1.0 - ai)");
const ABS = mapKernel("abs", 1, "abs(ai)");
const ABS_BACKWARD = mapKernel("absBackward", 2, "bi * sign(ai)");
const BCE = mapKernel("bceLogits", 2, "max(ai, 0.0) - ai * bi + log(1.0 + exp(-abs(ai)))");
const BCE_BACKWARD = mapKernel("bceLogitsBackward", 3, `ci * (${SIGMOID} - bi)`);

/**
 * The math kernels of a WebGPU backend.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { exp } = mathKernels(await WebGpuBackend.create());
 * ```
 */
export function mathKernels(
  bk: WebGpuBackend,
): Pick<
  KernelTable,
  | "sub"
  | "div"
  | "addScalar"
  | "exp"
  | "log"
  | "sigmoid"
  | "sigmoidBackward"
  | "abs"
  | "absBackward"
  | "bceLogits"
  | "bceLogitsBackward"
> {
  const apply = mapRunner(bk);
  return {
    sub: (a, b) => apply(SUB, a, [a, b]),
    div: (a, b) => apply(DIV, a, [a, b]),
    addScalar: (x, s) => apply(ADD_SCALAR, x, [x], s),
    exp: (x) => apply(EXP, x, [x]),
    log: (x) => apply(LOG, x, [x]),
    sigmoid: (x) => apply(SIGMOID_K, x, [x]),
    sigmoidBackward: (y, dy) => apply(SIGMOID_BACKWARD, y, [y, dy]),
    abs: (x) => apply(ABS, x, [x]),
    absBackward: (x, dy) => apply(ABS_BACKWARD, x, [x, dy]),
    bceLogits: (z, t) => apply(BCE, z, [z, t]),
    bceLogitsBackward: (z, t, dy) => apply(BCE_BACKWARD, z, [z, t, dy]),
  };
}
