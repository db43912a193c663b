/**
 * The residual MLP: an input projection, `depth` blocks x + W2·relu(W1·x + b1) + b2, a head.
 * @module
 */
import type { Chain, Stage } from "../chain.ts";
import { InvalidArgument } from "../errors.ts";
import type { Shape } from "../tensor.ts";
import { linearStage, requirePositiveInt } from "./parts.ts";
import { crossEntropyLoss } from "../losses.ts";

/** Configuration of `mlp`. */
export interface MlpConfig {
  /** Number of residual blocks (≥ 1). */
  readonly depth: number;
  /** Width of the residual stream. */
  readonly width: number;
  /** Hidden width inside each block. */
  readonly hidden: number;
  /** Number of classes of the head. */
  readonly classes: number;
  /** Features per example; default `width` (then the input projection is still a stage). */
  readonly inputs?: number;
  /** Dropout probability on each block's hidden activation; default 0. */
  readonly dropout?: number;
}

/**
 * A residual MLP chain: stages "input", "block0".."block{depth-1}", "head".
 *
 * @example
 * ```ts
 * import { mlp } from "@remat/core";
 * const chain = mlp({ depth: 4, width: 32, hidden: 64, classes: 10, inputs: 2 });
 * console.log(chain.stages.length); // 6
 * ```
 */
export function mlp(config: MlpConfig): Chain {
  const { depth, width, hidden, classes } = config;
  const inputs = config.inputs ?? width;
  const p = config.dropout ?? 0;
  for (const [name, v] of Object.entries({ depth, width, hidden, classes, inputs })) {
    requirePositiveInt(name, v);
  }
  if (!(p >= 0 && p < 1)) {
    throw new InvalidArgument({ name: "dropout", value: p, expected: "a probability in [0, 1)" });
  }
  const stages: Stage[] = [linearStage("input", inputs, width)];
  for (let i = 0; i < depth; i++) stages.push(residualBlock(`block${i}`, width, hidden, depth, p));
  stages.push(linearStage("head", width, classes));
  return {
    name: `mlp(depth=${depth}, width=${width}, hidden=${hidden}, classes=${classes})`,
    stages,
    loss: crossEntropyLoss,
    input: { shape: [inputs], dtype: "f32" },
    target: { shape: [], dtype: "i32" },
    config: { model: "mlp", ...config, inputs, dropout: p },
  };
}

/** x + W2·dropout(relu(W1·x + b1)) + b2, with W2 scaled down by √depth to keep the stream stable. */
function residualBlock(name: string, width: number, hidden: number, depth: number, p: number): Stage {
  return {
    name,
    kind: "residual-mlp",
    params: [
      { name: "w1", shape: [width, hidden], init: { kind: "normal", std: Math.sqrt(2 / width) } },
      { name: "b1", shape: [hidden], init: { kind: "zeros" } },
      { name: "w2", shape: [hidden, width], init: { kind: "normal", std: Math.sqrt(1 / (hidden * depth)) } },
      { name: "b2", shape: [width], init: { kind: "zeros" } },
    ],
    output: (s: Shape) => ({ shape: s, dtype: "f32" }),
    forward(ctx, x, [w1, b1, w2, b2]) {
      const h = ctx.dropout(ctx.linear(x, w1!, b1!, "relu"), p);
      return ctx.add(x, ctx.linear(h, w2!, b2!));
    },
  };
}
