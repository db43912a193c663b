/**
 * Inference and evaluation: the chain's stages run forward without tapes, one activation
 * handed to the next, so at most x_i and x_{i+1} (and stage i's own temporaries) are live;
 * then, for evaluation, the loss and the accuracy of argmax predictions over some batches.
 *
 * Dropout is off: the steps run in evaluation mode (`training: false`), where the recorder's
 * dropout is the identity.
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Chain } from "./chain.ts";
import type { Dataset, HostBatch } from "./data.ts";
import { InvalidArgument } from "./errors.ts";
import type { Params } from "./params.ts";
import { Recorder } from "./recorder.ts";
import { Step, type StepKey } from "./step.ts";
import type { Shape, Tensor } from "./tensor.ts";
import { uploadBatch } from "./train.ts";

/** Options of {@link predict}. */
export interface PredictOptions {
  /** The backend `x`, the parameters and every buffer made live on. */
  readonly backend: Backend;
  /** The model. */
  readonly chain: Chain;
  /** The chain's parameters on `backend`, one row per stage. */
  readonly params: Params;
  /**
   * The key each stage's recorder carries; default seed 0, step 0. Dropout is off, so no
   * built-in op reads it; it is passed on for stages that read `ctx.key` themselves.
   */
  readonly key?: StepKey;
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions extends PredictOptions {
  /** Examples per batch (a positive integer). */
  readonly batch: number;
  /** Number of batches evaluated (a positive integer). */
  readonly batches: number;
  /** The dataset step of the first batch: batch k is `data.batch(firstStep + k, batch)`; default 0. */
  readonly firstStep?: number;
}

/** What {@link evaluate} measured. */
export interface Evaluation {
  /** The chain's loss, averaged over the batches (each batch's loss is its own mean). */
  readonly loss: number;
  /**
   * The fraction of targets equal to the argmax of x_n's last dimension (per position for
   * [B, T] targets), over all batches; a label outside [0, C) counts as wrong. Null unless
   * the targets are class ids for x_n: an Int32Array on the host, with x_n of shape
   * [B, ...chain.target.shape, C].
   */
  readonly accuracy: number | null;
  /** Examples evaluated: `batches × batch`. */
  readonly examples: number;
}

/**
 * Runs the chain forward on `x` without tapes and with dropout off, freeing each x_i once
 * x_{i+1} exists; like every `Step`, it starts a new peak window of the backend's accountant.
 *
 * @param x The input x_0, [B, ...chain.input.shape] of the chain's input dtype, on `backend`;
 *   still owned by the caller afterwards.
 * @param options The backend, chain, parameters and (optional) key.
 * @returns x_n, kind "activation", owned by the caller (release it). For a chain without
 *   stages, a new reference to `x`.
 * @throws InvalidArgument when `x` does not fit the chain's input or `params` has not one row
 *   per stage. Whatever fails part-way, everything predict made is released.
 * @example
 * ```ts
 * import { initParams, mlp, predict } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 3, inputs: 2 });
 * const params = initParams(chain, backend, 0);
 * const x = backend.upload(new Float32Array([0.1, 0.2, 0.3, 0.4]), [2, 2], "f32", "io");
 * const logits = predict(x, { backend, chain, params });
 * console.log(logits.shape, await backend.read(logits)); // [2, 3], 6 logits
 * logits.release();
 * x.release();
 * ```
 */
export function predict(x: Tensor, options: PredictOptions): Tensor {
  checkPredict(x, options);
  return forwardAll(x, options);
}

/**
 * Evaluates the chain on `batches` batches of `data`: the mean loss, the accuracy of argmax
 * predictions when the targets are class ids, and the number of examples. Nothing is
 * trained; every tensor it uploads or makes is released, also when it fails.
 *
 * @param data The dataset; batch k is `data.batch(firstStep + k, batch)`.
 * @param options The backend, chain, parameters, `batch`, `batches`, and optional
 *   `firstStep` (default 0) and `key` (default seed 0, step 0).
 * @returns The mean loss over the batches, the accuracy (or null) and the example count.
 * @throws InvalidArgument naming the option for a `batch` or `batches` that is not a
 *   positive integer or a `firstStep` that is not a non-negative integer, or for a batch
 *   that does not fit the chain (as `uploadBatch`).
 * @example
 * ```ts
 * import { evaluate, initParams, mlp } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * import { spirals } from "@remat/datasets";
 * const backend = new CpuBackend();
 * const chain = mlp({ depth: 2, width: 16, hidden: 32, classes: 2, inputs: 2 });
 * const params = initParams(chain, backend, 0);
 * const { loss, accuracy, examples } = await evaluate(spirals(), {
 *   backend, chain, params, batch: 64, batches: 4, firstStep: 1000,
 * });
 * console.log(loss, accuracy, examples); // accuracy near 0.5 before training; 256 examples
 * ```
 */
export async function evaluate(data: Dataset, options: EvaluateOptions): Promise<Evaluation> {
  checkEvaluate(options);
  const { backend, chain, batch, batches } = options;
  const firstStep = options.firstStep ?? 0;
  const key = options.key ?? { seed: 0, step: 0 };
  let lossSum = 0;
  let correct = 0;
  let counted = 0;
  let classIds = true;
  for (let k = 0; k < batches; k++) {
    const step = firstStep + k;
    const host = data.batch(step, batch);
    const once: Dataset = { name: data.name, batch: () => host };
    const { x, y } = uploadBatch(once, { backend, chain, step, size: batch });
    let xn: Tensor | null = null;
    let loss: Tensor | null = null;
    try {
      xn = forwardAll(x, options);
      loss = lossOf(backend, chain, xn, y, key);
      const labels = classIds ? classLabels(xn.shape, y.shape, host) : null;
      if (labels === null) classIds = false;
      const [lossHost, logits] = await readAll(backend, labels === null ? [loss] : [loss, xn]);
      lossSum += lossHost![0]!;
      if (labels !== null) {
        correct += countCorrect(logits!, labels, xn.shape[xn.shape.length - 1]!);
        counted += labels.length;
      }
    } finally {
      loss?.release();
      xn?.release();
      x.release();
      y.release();
    }
  }
  return {
    loss: lossSum / batches,
    accuracy: classIds && counted > 0 ? correct / counted : null,
    examples: batches * batch,
  };
}

/** x_0 → x_n through the chain on a `Step` in evaluation mode; x_n is the caller's. */
function forwardAll(x: Tensor, options: PredictOptions): Tensor {
  const { backend, chain, params, key } = options;
  const step = new Step({ backend, chain, params, key, training: false }).input(0, x);
  try {
    let out = x;
    for (let i = 0; i < chain.stages.length; i++) {
      out = step.forward(i, { record: false });
      step.free(i);
    }
    return out.retain();
  } finally {
    step.dispose();
  }
}

/** The loss of x_n against `y` without a tape, computed like `Step.loss` computes it. */
function lossOf(backend: Backend, chain: Chain, xn: Tensor, y: Tensor, key: StepKey): Tensor {
  const ctx = new Recorder(backend, {
    record: false,
    key: { ...key, stage: chain.stages.length },
    training: false,
  });
  const { output } = backend.memory.withKind("temporary", () => {
    try {
      return ctx.finish(chain.loss.forward(ctx, xn, y), xn);
    } catch (e) {
      ctx.abort();
      throw e;
    }
  });
  output.storage.setKind("io");
  return output;
}

/** The host targets when they are class ids for x_n (an Int32Array, x_n [...yShape, C]); else null. */
function classLabels(xnShape: Shape, yShape: Shape, host: HostBatch): Int32Array | null {
  const y = host.y;
  if (!(y instanceof Int32Array) || xnShape.length !== yShape.length + 1) return null;
  return yShape.every((d, i) => xnShape[i] === d) && xnShape[xnShape.length - 1]! >= 1 ? y : null;
}

/** Rows of `logits` ([rows, classes] flattened) whose first maximum is at the row's label. */
function countCorrect(logits: Float32Array | Int32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let r = 0; r < labels.length; r++) {
    const off = r * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[off + c]! > logits[off + best]!) best = c;
    if (best === labels[r]) correct++;
  }
  return correct;
}

function readAll(backend: Backend, ts: Tensor[]): Promise<Array<Float32Array | Int32Array>> {
  return backend.readMany ? backend.readMany(ts) : Promise.all(ts.map((t) => backend.read(t)));
}

function checkPredict(x: Tensor, { chain, params }: PredictOptions): void {
  checkParams(chain, params);
  const per = chain.input.shape;
  const fits = x.dtype === chain.input.dtype && x.shape.length === per.length + 1 &&
    x.shape[0]! >= 1 && per.every((d, i) => x.shape[i + 1] === d);
  if (!fits) {
    throw new InvalidArgument({
      name: "x",
      value: String(x),
      expected: `a Tensor<${chain.input.dtype}>[B${
        per.map((d) => `, ${d}`).join("")
      }] with B ≥ 1 (the input of ${chain.name})`,
    });
  }
}

function checkParams(chain: Chain, params: Params): void {
  const n = chain.stages.length;
  if (params.length !== n) {
    throw new InvalidArgument({
      name: "params.length",
      value: params.length,
      expected: `${n}: one row of parameters per stage of ${chain.name}`,
    });
  }
}

function checkEvaluate(o: EvaluateOptions): void {
  for (const name of ["batch", "batches"] as const) {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1) {
      throw new InvalidArgument({ name, value: v, expected: "a positive integer" });
    }
  }
  const first = o.firstStep ?? 0;
  if (!Number.isInteger(first) || first < 0) {
    throw new InvalidArgument({ name: "firstStep", value: first, expected: "a non-negative integer" });
  }
  checkParams(o.chain, o.params);
}
