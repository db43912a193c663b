/**
 * A user-defined op for the suites' random chains, defined exactly as a user defines one
 * (`defineKernel` with CPU and WGSL kernels, `registerOp`), so the exactness, plan and step
 * suites cover user ops on every backend: y = x / √(1 + x²), ∂x = dy · (1 + x²)^(−3/2).
 * @module
 */
import { defineKernel, elements, elementwiseCost, type Op, registerOp, type Stage } from "@remat/core";

const ISRU = defineKernel({
  name: "conformance.isru",
  cpu: ({ inputs: [x], out }) => {
    for (let i = 0; i < out.length; i++) out[i] = x![i]! / Math.sqrt(1 + x![i]! * x![i]!);
  },
  wgsl: "fn element(i: u32) -> f32 { let v = in0[i]; return v * inverseSqrt(1.0 + v * v); }",
});

const ISRU_BACKWARD = defineKernel({
  name: "conformance.isruBackward",
  cpu: ({ inputs: [x, dy], out }) => {
    for (let i = 0; i < out.length; i++) out[i] = dy![i]! * (1 + x![i]! * x![i]!) ** -1.5;
  },
  wgsl:
    "fn element(i: u32) -> f32 { let s = inverseSqrt(1.0 + in0[i] * in0[i]); return in1[i] * s * s * s; }",
});

/** The user op: y = x / √(1 + x²), elementwise. */
export const isruOp: Op = registerOp({
  name: "conformance.isru",
  inputs: [{ name: "x", dtype: "f32" }],
  forward: (b, [x]) => ({ out: b.runUserKernel(ISRU, [x!], { shape: x!.shape }), saved: [x!], aux: [] }),
  backward: (b, [x], _attrs, dy) => [b.runUserKernel(ISRU_BACKWARD, [x!, dy], { shape: x!.shape })],
  cost: (shapes) => elementwiseCost(elements(shapes), 1, 4),
});

/**
 * `stage` followed by the user op on its output (same shape and parameters).
 * @example
 * ```ts
 * import { withUserOp } from "@remat/conformance";
 * const stage = withUserOp(chain.stages[0]!);
 * ```
 */
export function withUserOp(stage: Stage): Stage {
  return {
    ...stage,
    name: `${stage.name}+isru`,
    forward: (ctx, x, params) => ctx.apply(isruOp, [stage.forward(ctx, x, params)], undefined),
  };
}
