/**
 * The three things a scheduler does to a stage — forward, loss, backward — with the
 * accounting kinds set exactly as a plan execution sets them. The executor and the
 * profiler both call these, so a profile measures what an execution will do.
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Chain } from "./chain.ts";
import type { Params } from "./params.ts";
import { Recorder } from "./recorder.ts";
import type { Tape } from "./tape.ts";
import type { Tensor } from "./tensor.ts";

/** Where dropout masks are keyed. */
export interface StepKey {
  /** The training seed. */
  readonly seed: number;
  /** The training step. */
  readonly step: number;
}

/**
 * Stage i forward on x: its output (kind "activation") and, when recording, its tape.
 *
 * @example
 * ```ts
 * import { forwardStage, initParams, mlp } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const chain = mlp({ depth: 1, width: 4, hidden: 8, classes: 2, inputs: 2 });
 * const params = initParams(chain, backend, 0);
 * const x = backend.upload(new Float32Array(2 * 2), [2, 2], "f32", "io");
 * const { output, tape } = forwardStage(backend, chain, params, 0, x, true, { seed: 0, step: 0 });
 * ```
 */
export function forwardStage(
  backend: Backend,
  chain: Chain,
  params: Params,
  i: number,
  x: Tensor,
  record: boolean,
  key: StepKey,
): { output: Tensor; tape: Tape | null } {
  backend.memory.defaultKind = record ? "tape" : "temporary";
  const ctx = new Recorder(backend, record, { seed: key.seed, step: key.step, stage: i });
  let out: Tensor;
  try {
    out = chain.stages[i]!.forward(ctx, x, params[i]!);
  } catch (e) {
    ctx.abort();
    throw e;
  }
  const result = ctx.finish(out, x);
  result.output.storage.setKind("activation");
  return result;
}

/**
 * The loss on x_n: the loss value (kind "io") and g_n = ∂loss/∂x_n (kind "gradient").
 *
 * @example
 * ```ts
 * import { lossStage, mlp } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const chain = mlp({ depth: 1, width: 4, hidden: 8, classes: 2, inputs: 2 });
 * const logits = backend.upload(new Float32Array([2, 0, 0, 2]), [2, 2], "f32", "activation");
 * const labels = backend.upload(new Int32Array([0, 1]), [2], "i32", "io");
 * const { loss, grad } = lossStage(backend, chain, logits, labels, { seed: 0, step: 0 });
 * ```
 */
export function lossStage(
  backend: Backend,
  chain: Chain,
  xn: Tensor,
  target: Tensor,
  key: StepKey,
): { loss: Tensor; grad: Tensor } {
  const mem = backend.memory;
  mem.defaultKind = "temporary";
  const ctx = new Recorder(backend, true, { seed: key.seed, step: key.step, stage: chain.stages.length });
  let out: Tensor;
  try {
    out = chain.loss.forward(ctx, xn, target);
  } catch (e) {
    ctx.abort();
    throw e;
  }
  const { output, tape } = ctx.finish(out, xn);
  output.storage.setKind("io");
  const one = backend.upload(new Float32Array([1]), [1], "f32", "temporary");
  mem.defaultKind = "gradient";
  const grad = tape!.backward(backend, one, xn, []).dx!;
  one.release();
  return { loss: output, grad };
}

/**
 * Stage i backward from g_{i+1} (not consumed): g_i (null for stage 0, whose input needs
 * none) and the parameter gradients (kind "parameterGradient"). Releases the tape.
 *
 * @example
 * ```ts
 * import { backwardStage, forwardStage, initParams, mlp } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const chain = mlp({ depth: 1, width: 4, hidden: 8, classes: 2, inputs: 2 });
 * const params = initParams(chain, backend, 0);
 * const x = backend.upload(new Float32Array(2 * 2), [2, 2], "f32", "io");
 * const { output, tape } = forwardStage(backend, chain, params, 0, x, true, { seed: 0, step: 0 });
 * const g = backend.upload(new Float32Array(2 * 4).fill(1), [2, 4], "f32", "gradient");
 * const { grad, paramGrads } = backwardStage(backend, params, 0, tape!, g); // grad is null for stage 0
 * ```
 */
export function backwardStage(
  backend: Backend,
  params: Params,
  i: number,
  tape: Tape,
  grad: Tensor,
): { grad: Tensor | null; paramGrads: Tensor[] } {
  backend.memory.defaultKind = "gradient";
  const { dx, dparams } = tape.backward(backend, grad, null, params[i]!);
  let gi = dx;
  if (i === 0 && dx) {
    dx.release();
    gi = null;
  }
  const paramGrads = dparams.map((g, j) => {
    const t = g ?? backend.alloc(params[i]![j]!.shape, "f32", "parameterGradient");
    t.storage.setKind("parameterGradient");
    return t;
  });
  return { grad: gi, paramGrads };
}
