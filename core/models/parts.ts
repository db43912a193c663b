/**
 * Pieces shared by the model builders.
 * @module
 */
import type { Stage } from "../chain.ts";
import { InvalidArgument } from "../errors.ts";
import type { Shape } from "../tensor.ts";

/** Throws InvalidArgument unless `value` is a positive integer. */
export function requirePositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgument({ name, value, expected: "a positive integer" });
  }
}

/**
 * A stage y = x·W + b over the last dimension (one fused kernel), W initialised normal with
 * std √(1/inputs), b zeros: the building block of the model builders, for your own chains too.
 * @example
 * ```ts
 * import { linearStage } from "@remat/core";
 * const head = linearStage("head", 64, 10); // [..., 64] → [..., 10]
 * ```
 */
export function linearStage(name: string, inputs: number, outputs: number): Stage {
  return {
    name,
    kind: "linear",
    params: [
      { name: "w", shape: [inputs, outputs], init: { kind: "normal", std: Math.sqrt(1 / inputs) } },
      { name: "b", shape: [outputs], init: { kind: "zeros" } },
    ],
    output: (s: Shape) => ({ shape: [...s.slice(0, -1), outputs], dtype: "f32" }),
    forward: (ctx, x, [w, b]) => ctx.linear(x, w!, b!),
  };
}
