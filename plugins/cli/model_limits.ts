/**
 * How large a model the CLI accepts: a documented maximum for each size option (checked
 * before anything is built), and a cheap lower bound of the memory a model needs (its
 * parameters plus the activations store-all keeps) checked against this machine's memory
 * before anything is allocated.
 * @module
 */
import { totalmem } from "node:os";
import { type Chain, parameterCount, type Shape } from "@remat/core";
import { UsageError } from "./args.ts";
import { formatBytes } from "./format.ts";

/** The largest value of each size option. */
export const SIZE_LIMITS: Readonly<Record<string, number>> = {
  depth: 10_000,
  layers: 10_000,
  width: 65_536,
  hidden: 65_536,
  "d-model": 65_536,
  classes: 65_536,
  heads: 65_536,
  "seq-len": 65_536,
  batch: 1_000_000,
};

/** Help lines of the limits. */
export const LIMITS_HELP =
  `  sizes are integers (digits, or a whole number in exponent form: 1e3 is 1000): at most
  10000 blocks or layers, 65536 for widths, classes, heads and tokens, 1000000 examples;
  a model whose parameters plus store-all's activations exceed this machine's memory is refused`;

/** What a model needs at least, in bytes. */
export interface ModelBytes {
  /** 4 bytes per parameter. */
  readonly parameters: number;
  /** Every stage's input and output held at once, as store-all keeps them (tapes not counted). */
  readonly activations: number;
}

const elements = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/**
 * A lower bound of the bytes `chain` needs at `batch`: its parameters and the activations
 * store-all keeps (the tapes come on top), from shapes alone, without a profile.
 * @example
 * ```ts
 * const { parameters, activations } = modelBytes(mlp({ depth: 4, width: 32, hidden: 64, classes: 3 }), 16);
 * ```
 */
export function modelBytes(chain: Chain, batch: number): ModelBytes {
  let shape: Shape = [batch, ...chain.input.shape];
  let activations = 4 * elements(shape);
  for (const stage of chain.stages) {
    shape = stage.output(shape).shape;
    activations += 4 * elements(shape);
  }
  return { parameters: 4 * parameterCount(chain), activations };
}

/** Options of {@link checkModelFits}. */
export interface FitOptions {
  /** The most bytes a model may need; default this machine's memory (`os.totalmem()`). */
  readonly limitBytes?: number;
  /** What the model is, for the message; default the chain's name. */
  readonly what?: string;
}

/**
 * Refuses a model whose parameters plus store-all's activations exceed the limit.
 * @throws UsageError naming the estimate and the limit
 * @example
 * ```ts
 * checkModelFits(mlp({ depth: 4, width: 32, hidden: 64, classes: 3 }), 16);
 * ```
 */
export function checkModelFits(chain: Chain, batch: number, options: FitOptions = {}): void {
  const limit = options.limitBytes ?? totalmem();
  const { parameters, activations } = modelBytes(chain, batch);
  const need = parameters + activations;
  if (need > limit) {
    throw new UsageError(
      `${options.what ?? chain.name} at batch ${batch} needs at least ${formatBytes(need)} (parameters ${
        formatBytes(parameters)
      } + store-all activations ${formatBytes(activations)}); the limit is ${formatBytes(limit)}${
        options.limitBytes === undefined ? ", this machine's memory" : ""
      }: use smaller sizes or a smaller --batch`,
    );
  }
}
