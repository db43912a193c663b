/**
 * Random chains for strategy and scheduler properties: 1–24 stages of mixed kinds and
 * widths (linear, tanh, residual with or without dropout, layer norm, gelu+dropout, silu,
 * softplus), ending in cross-entropy or a loss on f32 targets (mean squared, L1, binary
 * cross-entropy with logits, or a user-written weighted loss with a constant), a third of them
 * with a user-defined op (`user_op.ts`) after one stage, plus small GPTs and small conv nets
 * (`random_convnets.ts`).
 * @module
 */
import fc from "fast-check";
import {
  activationShapes,
  bceWithLogitsLoss,
  type Chain,
  gpt,
  l1Loss,
  type LayerSpec,
  type LossStage,
  mseLoss,
  sequential,
} from "@remat/core";
import { arbitraryConvChain } from "./random_convnets.ts";
import { withUserOp } from "./user_op.ts";

const width = fc.integer({ min: 1, max: 6 });

/**
 * One random layer spec; dropout only when `dropout`.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryLayer } from "@remat/conformance";
 * const [spec] = fc.sample(arbitraryLayer(false), 1); // e.g. { kind: "linear", out: 7 }
 * ```
 */
export function arbitraryLayer(dropout: boolean): fc.Arbitrary<LayerSpec> {
  const p = dropout ? fc.constantFrom(0, 0.3) : fc.constant(0);
  return fc.oneof(
    width.map((out) => ({ kind: "linear" as const, out })),
    width.map((out) => ({ kind: "tanh" as const, out })),
    fc.record({ hidden: width, dropout: p }).map((r) => ({ kind: "residual" as const, ...r })),
    fc.constant({ kind: "layernorm" as const }),
    p.map((q) => ({ kind: "gelu-dropout" as const, p: q })),
    fc.constant({ kind: "silu" as const }),
    fc.constant({ kind: "softplus" as const }),
  );
}

/**
 * A loss written by a user with recorder ops: the mean of w ⊙ (x − y)², its weights w a
 * constant of the forward (1, 2, 3, … per column), so constants are exercised too.
 */
export const weightedSquaredError: LossStage = {
  name: "weighted-squared-error",
  forward(ctx, x, target) {
    const cols = x.shape[x.shape.length - 1]!;
    const w = ctx.constant(Float32Array.from({ length: x.size }, (_, i) => 1 + (i % cols)), x.shape);
    const d = ctx.sub(x, target);
    return ctx.mean(ctx.mul(w, ctx.mul(d, d)));
  },
};

/** The losses random chains end in: cross-entropy on class ids, or one on f32 targets. */
const F32_LOSSES: ReadonlyArray<LossStage> = [mseLoss, l1Loss, bceWithLogitsLoss, weightedSquaredError];

/**
 * `chain` with its loss replaced by one on f32 targets of its output's per-example shape.
 *
 * @example
 * ```ts
 * import { mlp, mseLoss } from "@remat/core";
 * import { withF32Loss } from "@remat/conformance";
 * const regression = withF32Loss(mlp({ depth: 1, width: 4, hidden: 8, classes: 1, inputs: 2 }), mseLoss);
 * ```
 */
export function withF32Loss(chain: Chain, loss: LossStage): Chain {
  const out = activationShapes(chain, 1)[chain.stages.length]!;
  return {
    ...chain,
    name: `${chain.name} with ${loss.name}`,
    loss,
    target: { shape: out.slice(1), dtype: "f32" },
  };
}

/**
 * Chains of `minStages`..`maxStages` stages (the head included) of mixed kinds.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryChain } from "@remat/conformance";
 * fc.assert(fc.property(arbitraryChain(2, 8), (chain) => chain.stages.length >= 2 && chain.stages.length <= 8));
 * ```
 */
export function arbitraryChain(minStages = 1, maxStages = 24): fc.Arbitrary<Chain> {
  const seq = fc.boolean().chain((dropout) =>
    fc.record({
      inputs: fc.integer({ min: 1, max: 5 }),
      classes: fc.integer({ min: 2, max: 4 }),
      layers: fc.array(arbitraryLayer(dropout), { minLength: minStages - 1, maxLength: maxStages - 1 }),
      loss: fc.option(fc.constantFrom(...F32_LOSSES), { freq: 2 }),
      userOpAt: fc.option(fc.nat(), { freq: 3 }),
    })
  ).map(({ loss, userOpAt, ...c }) => {
    const chain = loss ? withF32Loss(sequential(c), loss) : sequential(c);
    if (userOpAt === null || chain.stages.length < 2) return chain;
    // a user-defined op after one stage's output (never the head's, whose logits stay linear)
    const at = userOpAt % (chain.stages.length - 1);
    const stages = chain.stages.map((s, i) => (i === at ? withUserOp(s) : s));
    return { ...chain, name: `${chain.name} with a user op at ${at}`, stages };
  });
  const small = fc.record({
    layers: fc.integer({
      min: Math.max(1, minStages - 2),
      max: Math.max(1, minStages - 2, Math.min(3, maxStages - 2)),
    }),
    heads: fc.integer({ min: 1, max: 2 }),
    seqLen: fc.integer({ min: 1, max: 3 }),
    vocab: fc.integer({ min: 2, max: 5 }),
    dropout: fc.constantFrom(0, 0.2),
  }).map((c) => gpt({ ...c, dModel: 2 * c.heads, hidden: 4 * c.heads }));
  const conv = arbitraryConvChain(minStages, Math.min(maxStages, 6));
  return maxStages >= 3 && minStages <= 5
    ? fc.oneof({ arbitrary: seq, weight: 3 }, { arbitrary: small, weight: 1 }, { arbitrary: conv, weight: 1 })
    : seq;
}
