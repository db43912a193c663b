/**
 * Random chains for strategy and scheduler properties: 1–24 stages of mixed kinds and
 * widths (linear, tanh, residual with or without dropout, layer norm, gelu+dropout), plus
 * small GPTs.
 * @module
 */
import fc from "fast-check";
import type { Chain } from "../chain.ts";
import { gpt } from "../models/gpt.ts";
import { type LayerSpec, sequential } from "../models/sequential.ts";

const width = fc.integer({ min: 1, max: 6 });

/**
 * One random layer spec; dropout only when `dropout`.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryLayer } from "@remat/core/testing";
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
  );
}

/**
 * Chains of `minStages`..`maxStages` stages (the head included) of mixed kinds.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryChain } from "@remat/core/testing";
 * fc.assert(fc.property(arbitraryChain(2, 8), (chain) => chain.stages.length >= 2 && chain.stages.length <= 8));
 * ```
 */
export function arbitraryChain(minStages = 1, maxStages = 24): fc.Arbitrary<Chain> {
  const seq = fc.boolean().chain((dropout) =>
    fc.record({
      inputs: fc.integer({ min: 1, max: 5 }),
      classes: fc.integer({ min: 2, max: 4 }),
      layers: fc.array(arbitraryLayer(dropout), { minLength: minStages - 1, maxLength: maxStages - 1 }),
    })
  ).map((c) => sequential(c));
  const small = fc.record({
    layers: fc.integer({ min: 1, max: Math.max(1, Math.min(3, maxStages - 2)) }),
    heads: fc.integer({ min: 1, max: 2 }),
    seqLen: fc.integer({ min: 1, max: 3 }),
    vocab: fc.integer({ min: 2, max: 5 }),
    dropout: fc.constantFrom(0, 0.2),
  }).map((c) => gpt({ ...c, dModel: 2 * c.heads, hidden: 4 * c.heads }));
  return maxStages >= 3 && minStages <= 5
    ? fc.oneof({ arbitrary: seq, weight: 3 }, { arbitrary: small, weight: 1 })
    : seq;
}
