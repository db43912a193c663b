/**
 * Stages and chains: a model as a sequence of stages x_{i+1} = stage_i(x_i), then a loss.
 * @module
 */
import type { Recorder } from "./recorder.ts";
import type { DType, Shape, Tensor } from "./tensor.ts";

/** How a parameter is initialised, deterministically from the seed. */
export type Init =
  | { readonly kind: "normal"; readonly std: number }
  | { readonly kind: "zeros" }
  | { readonly kind: "ones" };

/** A parameter a stage owns. */
export interface ParamSpec {
  /** Unique within the stage, e.g. "w" or "bias". */
  readonly name: string;
  /** The parameter's shape. */
  readonly shape: Shape;
  /** How it is initialised. */
  readonly init: Init;
  /**
   * True for model state that is not trained (a batch norm's running statistics): counted as
   * "state" memory, given no optimizer slots and never changed by an optimizer step; ops update
   * it themselves, once per training step. Default false.
   */
  readonly state?: boolean;
}

/** One stage of a chain: x_{i+1} = forward(x_i, params). */
export interface Stage {
  /** Unique within the chain, e.g. "block3". */
  readonly name: string;
  /** What sort of stage: "linear", "residual-mlp", "transformer-block", ... */
  readonly kind: string;
  /** The parameters this stage owns, in the order `forward` receives them. */
  readonly params: ReadonlyArray<ParamSpec>;
  /** Shape and dtype of the output for an input shape. */
  output(input: Shape): { readonly shape: Shape; readonly dtype: DType };
  /** The forward, written with the recorder's ops. */
  forward(ctx: Recorder, x: Tensor, params: ReadonlyArray<Tensor>): Tensor;
}

/** The loss at the end of a chain: a scalar [1] from the last activation and the target. */
export interface LossStage {
  /** Display name of the loss, e.g. "cross-entropy". */
  readonly name: string;
  /** The loss, written with the recorder's ops: a scalar [1] from the last activation and the target. */
  forward(ctx: Recorder, x: Tensor, target: Tensor): Tensor;
}

/** A model: stages, a loss, and the per-example input and target layouts. */
export interface Chain {
  /** Display name, with the configuration, e.g. "mlp(depth=4, ...)". */
  readonly name: string;
  /** The stages, applied in order. */
  readonly stages: ReadonlyArray<Stage>;
  /** The loss applied to the last stage's output. */
  readonly loss: LossStage;
  /** Per-example input shape (without the batch dimension) and dtype. */
  readonly input: { readonly shape: Shape; readonly dtype: DType };
  /**
   * Per-example target shape (without the batch dimension) and dtype: i32 class ids for a
   * classifier, f32 values for a regression. The dtype defaults to "i32" (see `targetDType`).
   */
  readonly target: { readonly shape: Shape; readonly dtype?: DType };
  /** The configuration the chain was built from. */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * Shapes of x_0 .. x_n for a batch size.
 *
 * @example
 * ```ts
 * import { activationShapes, mlp } from "@remat/core";
 * const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 3, inputs: 2 });
 * activationShapes(chain, 4); // [[4, 2], [4, 8], [4, 8], [4, 8], [4, 3]]
 * ```
 */
export function activationShapes(chain: Chain, batch: number): Shape[] {
  const shapes: Shape[] = [[batch, ...chain.input.shape]];
  for (const s of chain.stages) shapes.push(s.output(shapes[shapes.length - 1]!).shape);
  return shapes;
}

/**
 * Number of scalar parameters in the chain.
 *
 * @example
 * ```ts
 * import { mlp, parameterCount } from "@remat/core";
 * parameterCount(mlp({ depth: 1, width: 4, hidden: 8, classes: 2, inputs: 2 }));
 * ```
 */
export function parameterCount(chain: Chain): number {
  let n = 0;
  for (const s of chain.stages) for (const p of s.params) n += p.shape.reduce((a, b) => a * b, 1);
  return n;
}

/**
 * The dtype of a chain's targets: the declared one, else "i32" (class ids).
 *
 * @example
 * ```ts
 * import { mlp, targetDType } from "@remat/core";
 * targetDType(mlp({ depth: 1, width: 4, hidden: 8, classes: 2, inputs: 2 })); // "i32"
 * ```
 */
export function targetDType(chain: Chain): DType {
  return chain.target.dtype ?? "i32";
}
