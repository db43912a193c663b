/**
 * Executes a plan on a backend: the plain (Effect-free) loop behind the Scheduler service.
 * Accounting: activations x_1..x_n are "activation", tapes "tape", activation gradients
 * "gradient", everything transient "temporary"; parameter gradients are moved to
 * "parameterGradient" as they appear. The activation peak of the step is measured.
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Chain } from "./chain.ts";
import type { Params } from "./params.ts";
import { type Plan, validatePlan } from "./plan.ts";
import { backwardStage, forwardStage, lossStage, type StepKey } from "./step_ops.ts";
import type { Tape } from "./tape.ts";
import type { Tensor } from "./tensor.ts";

/** Inputs of one training step. */
export interface StepBatch {
  /** x_0 on the backend ([B, ...chain.input.shape]). */
  readonly x: Tensor;
  /** Targets on the backend ([B, ...chain.target.shape], i32). */
  readonly y: Tensor;
}

/** Result of one executed plan. */
export interface StepOutcome {
  /** The loss tensor [1] (kind "io", released by the caller). */
  readonly loss: Tensor;
  /** ∂loss/∂param per stage and parameter, kind "parameterGradient". */
  readonly grads: ReadonlyArray<ReadonlyArray<Tensor>>;
  /** Highest live activation-side bytes during the step, above what was live before it. */
  readonly peakBytes: number;
  /** Forward executions per stage (recomputation shows as counts above 1). */
  readonly forwards: ReadonlyArray<number>;
}

/**
 * Runs `plan` for one step. Validates the plan first; a failure releases what it held.
 *
 * @example
 * ```ts
 * import { executePlan, initParams, mlp, storeAllPlan } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 2, inputs: 2 });
 * const params = initParams(chain, backend, 0);
 * const x = backend.upload(new Float32Array(4 * 2), [4, 2], "f32", "io");
 * const y = backend.upload(new Int32Array(4), [4], "i32", "io");
 * const out = executePlan(backend, chain, params, storeAllPlan(chain.stages.length), { x, y }, { seed: 0, step: 0 });
 * console.log(out.peakBytes, out.forwards); // forwards: one per stage under store-all
 * ```
 */
export function executePlan(
  backend: Backend,
  chain: Chain,
  params: Params,
  plan: Plan,
  batch: StepBatch,
  key: StepKey,
): StepOutcome {
  const n = chain.stages.length;
  validatePlan(plan, n);
  const mem = backend.memory;
  const kindBefore = mem.defaultKind;
  const base = mem.activationLive;
  mem.resetPeak();
  const xs: (Tensor | null)[] = new Array(n + 1).fill(null);
  const tapes: (Tape | null)[] = new Array(n).fill(null);
  const gs: (Tensor | null)[] = new Array(n + 1).fill(null);
  const grads: Tensor[][] = chain.stages.map(() => []);
  const forwards = new Array<number>(n).fill(0);
  let loss: Tensor | null = null;
  xs[0] = batch.x.retain();
  try {
    for (const ins of plan.instructions) {
      if (ins.op === "forward") {
        const i = ins.stage;
        const { output, tape } = forwardStage(backend, chain, params, i, xs[i]!, ins.record, key);
        xs[i + 1] = output;
        if (tape) tapes[i] = tape;
        forwards[i]!++;
      } else if (ins.op === "loss") {
        const r = lossStage(backend, chain, xs[n]!, batch.y, key);
        loss = r.loss;
        gs[n] = r.grad;
      } else if (ins.op === "backward") {
        const i = ins.stage;
        const r = backwardStage(backend, params, i, tapes[i]!, gs[i + 1]!);
        tapes[i] = null;
        gs[i + 1]!.release();
        gs[i + 1] = null;
        gs[i] = r.grad;
        grads[i] = r.paramGrads;
      } else {
        xs[ins.value]!.release();
        xs[ins.value] = null;
      }
    }
    return { loss: loss!, grads, peakBytes: mem.activationPeak - base, forwards };
  } catch (e) {
    loss?.release();
    for (const row of grads) for (const g of row) g.release();
    throw e;
  } finally {
    for (const t of tapes) t?.release();
    for (const t of [...xs, ...gs]) t?.release();
    mem.defaultKind = kindBefore;
  }
}
