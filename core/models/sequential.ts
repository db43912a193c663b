/**
 * Chains of heterogeneous stages from a list of layer specs: for custom models and for
 * testing strategies on chains whose stages differ in cost and size.
 * @module
 */
import type { Chain, Stage } from "../chain.ts";
import type { Shape } from "../tensor.ts";
import { linearStage, requirePositiveInt } from "./parts.ts";
import { crossEntropyLoss } from "../losses.ts";

/** One stage of a `sequential` chain. */
export type LayerSpec =
  | { readonly kind: "linear"; readonly out: number }
  | { readonly kind: "tanh"; readonly out: number }
  | { readonly kind: "residual"; readonly hidden: number; readonly dropout?: number }
  | { readonly kind: "layernorm" }
  | { readonly kind: "gelu-dropout"; readonly p: number }
  | { readonly kind: "silu" }
  | { readonly kind: "softplus" };

/** Configuration of `sequential`. */
export interface SequentialConfig {
  /** Features per example. */
  readonly inputs: number;
  /** The stages, in order, before the head. */
  readonly layers: ReadonlyArray<LayerSpec>;
  /** Classes of the final linear head (added as the last stage). */
  readonly classes: number;
}

/**
 * A chain: one stage per layer spec, then a linear head and cross-entropy.
 *
 * @example
 * ```ts
 * import { sequential } from "@remat/core";
 * const chain = sequential({
 *   inputs: 4,
 *   layers: [{ kind: "linear", out: 16 }, { kind: "residual", hidden: 32 }, { kind: "layernorm" }],
 *   classes: 3,
 * });
 * console.log(chain.stages.length); // 4
 * ```
 */
export function sequential(config: SequentialConfig): Chain {
  requirePositiveInt("inputs", config.inputs);
  requirePositiveInt("classes", config.classes);
  let width = config.inputs;
  const stages: Stage[] = config.layers.map((spec, i) => {
    const s = layerStage(`${spec.kind}${i}`, spec, width);
    width = s.output([1, width]).shape[1]!;
    return s;
  });
  stages.push(linearStage("head", width, config.classes));
  return {
    name: `sequential(${config.layers.map((l) => l.kind).join(",")})`,
    stages,
    loss: crossEntropyLoss,
    input: { shape: [config.inputs], dtype: "f32" },
    target: { shape: [], dtype: "i32" },
    config: { model: "sequential", ...config },
  };
}

function layerStage(name: string, spec: LayerSpec, width: number): Stage {
  const same = (s: Shape) => ({ shape: s, dtype: "f32" as const });
  switch (spec.kind) {
    case "linear":
      requirePositiveInt(`${name}.out`, spec.out);
      return linearStage(name, width, spec.out);
    case "tanh": {
      requirePositiveInt(`${name}.out`, spec.out);
      const lin = linearStage(name, width, spec.out);
      return { ...lin, kind: "tanh", forward: (ctx, x, p) => ctx.tanh(lin.forward(ctx, x, p)) };
    }
    case "residual": {
      requirePositiveInt(`${name}.hidden`, spec.hidden);
      const p = spec.dropout ?? 0;
      return {
        name,
        kind: "residual-mlp",
        params: [
          { name: "w1", shape: [width, spec.hidden], init: { kind: "normal", std: Math.sqrt(2 / width) } },
          { name: "b1", shape: [spec.hidden], init: { kind: "zeros" } },
          {
            name: "w2",
            shape: [spec.hidden, width],
            init: { kind: "normal", std: Math.sqrt(1 / spec.hidden) / 2 },
          },
          { name: "b2", shape: [width], init: { kind: "zeros" } },
        ],
        output: same,
        forward: (ctx, x, [w1, b1, w2, b2]) =>
          ctx.add(x, ctx.linear(ctx.dropout(ctx.linear(x, w1!, b1!, "relu"), p), w2!, b2!)),
      };
    }
    case "layernorm":
      return {
        name,
        kind: "layernorm",
        params: [
          { name: "g", shape: [width], init: { kind: "ones" } },
          { name: "b", shape: [width], init: { kind: "zeros" } },
        ],
        output: same,
        forward: (ctx, x, [g, b]) => ctx.layernorm(x, g!, b!),
      };
    case "gelu-dropout":
      return {
        name,
        kind: "gelu-dropout",
        params: [],
        output: same,
        forward: (ctx, x) => ctx.dropout(ctx.gelu(x), spec.p),
      };
    case "silu": // x·σ(x)
      return {
        name,
        kind: "silu",
        params: [],
        output: same,
        forward: (ctx, x) => ctx.mul(x, ctx.sigmoid(x)),
      };
    case "softplus": // ln(1 + eˣ)
      return {
        name,
        kind: "softplus",
        params: [],
        output: same,
        forward: (ctx, x) => ctx.log(ctx.addScalar(ctx.exp(x), 1)),
      };
  }
}
