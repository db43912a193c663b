/**
 * A user-defined op, written outside every remat package: softsign, y = x / (1 + |x|), with
 * its backward rule dx = dy / (1 + |x|)², a cost, a CPU kernel and a WGSL kernel for WebGPU.
 * `softsignMlp` builds a chain of residual blocks that use it. `examples/custom_op.ts` trains
 * it with checkpointing; `softsign_op_test.ts` runs the op conformance suite on it.
 * @module
 */
import {
  type Chain,
  crossEntropyLoss,
  defineKernel,
  elements,
  elementwiseCost,
  linearStage,
  type Op,
  registerOp,
  type Stage,
} from "@remat/core";

/** y = x / (1 + |x|), elementwise. */
export const SOFTSIGN_KERNEL = defineKernel({
  name: "softsign",
  cpu: ({ inputs: [x], out }) => {
    for (let i = 0; i < out.length; i++) out[i] = x![i]! / (1 + Math.abs(x![i]!));
  },
  wgsl: "fn element(i: u32) -> f32 { let v = in0[i]; return v / (1.0 + abs(v)); }",
});

/** dx = dy / (1 + |x|)², elementwise; inputs x and dy. */
export const SOFTSIGN_BACKWARD_KERNEL = defineKernel({
  name: "softsignBackward",
  cpu: ({ inputs: [x, dy], out }) => {
    for (let i = 0; i < out.length; i++) {
      const d = 1 + Math.abs(x![i]!);
      out[i] = dy![i]! / (d * d);
    }
  },
  wgsl: "fn element(i: u32) -> f32 { let d = 1.0 + abs(in0[i]); return in1[i] / (d * d); }",
});

/** The softsign op: y = x / (1 + |x|); ∂x = dy / (1 + |x|)². */
export const softsign: Op = registerOp({
  name: "softsign",
  inputs: [{ name: "x", dtype: "f32" }],
  forward(b, [x]) {
    return { out: b.runUserKernel(SOFTSIGN_KERNEL, [x!], { shape: x!.shape }), saved: [x!], aux: [] };
  },
  backward(b, [x], _attrs, dy) {
    return [b.runUserKernel(SOFTSIGN_BACKWARD_KERNEL, [x!, dy], { shape: x!.shape })];
  },
  cost: (shapes) => elementwiseCost(elements(shapes), 1, 4),
});

/** Options of {@link softsignMlp}. */
export interface SoftsignMlpOptions {
  /** Residual blocks. */
  readonly depth: number;
  /** Width of the residual stream. */
  readonly width: number;
  /** Features per example. */
  readonly inputs: number;
  /** Classes of the head. */
  readonly classes: number;
}

/**
 * A residual MLP whose blocks are x + W₂·softsign(W₁·x + b₁) + b₂, one stage per block, with a
 * linear input stage and head and cross-entropy on class ids.
 * @example
 * ```ts
 * const chain = softsignMlp({ depth: 8, width: 32, inputs: 2, classes: 3 });
 * ```
 */
export function softsignMlp(o: SoftsignMlpOptions): Chain {
  const block = (i: number): Stage => ({
    name: `block${i}`,
    kind: "softsign-residual",
    params: [
      { name: "w1", shape: [o.width, 2 * o.width], init: { kind: "normal", std: Math.sqrt(1 / o.width) } },
      { name: "b1", shape: [2 * o.width], init: { kind: "zeros" } },
      {
        name: "w2",
        shape: [2 * o.width, o.width],
        init: { kind: "normal", std: Math.sqrt(0.5 / o.width) / 2 },
      },
      { name: "b2", shape: [o.width], init: { kind: "zeros" } },
    ],
    output: (s) => ({ shape: s, dtype: "f32" }),
    forward: (ctx, x, [w1, b1, w2, b2]) =>
      ctx.add(x, ctx.linear(ctx.apply(softsign, [ctx.linear(x, w1!, b1!)], undefined), w2!, b2!)),
  });
  return {
    name: `softsignMlp(depth=${o.depth}, width=${o.width})`,
    stages: [
      linearStage("in", o.inputs, o.width),
      ...Array.from({ length: o.depth }, (_, i) => block(i)),
      linearStage("head", o.width, o.classes),
    ],
    loss: crossEntropyLoss,
    input: { shape: [o.inputs], dtype: "f32" },
    target: { shape: [], dtype: "i32" },
    config: { model: "softsignMlp", ...o },
  };
}
