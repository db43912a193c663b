/**
 * Executes a plan on a backend: the plain (Effect-free) loop behind the Scheduler service,
 * one `Step` driven instruction by instruction (`step.ts` says how each buffer is counted).
 * The activation peak of the step is measured.
 * @module
 */
import { checkPlanTarget, type Plan, validatePlan } from "./plan.ts";
import { Step, type StepInputs } from "./step.ts";
import { requireKernels } from "./user_kernel.ts";
import type { Tensor } from "./tensor.ts";

/** Inputs of one training step. */
export interface StepBatch {
  /** x_0 on the backend ([B, ...chain.input.shape]). */
  readonly x: Tensor;
  /** Targets on the backend ([B, ...chain.target.shape], of the chain's target dtype). */
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

/** What {@link executePlan} runs: a step's inputs and the batch. */
export interface PlanInputs extends StepInputs {
  /** x_0 and the targets. */
  readonly batch: StepBatch;
}

/**
 * Runs `plan` for one step. Validates the plan, that it was made for this chain and batch,
 * and that the backend runs every user kernel it records, before anything is allocated; a
 * failure releases what it held.
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
 * const out = executePlan(storeAllPlan(chain.stages.length), { backend, chain, params, batch: { x, y } });
 * console.log(out.peakBytes, out.forwards); // forwards: one per stage under store-all
 * ```
 */
export function executePlan(plan: Plan, inputs: PlanInputs): StepOutcome {
  const { chain, batch } = inputs;
  const n = chain.stages.length;
  validatePlan(plan, n);
  checkPlanTarget(plan, chain, batch.x.shape[0] ?? 0);
  requireKernels(inputs.backend, plan.madeFor?.kernels ?? []);
  const step = new Step(inputs).input(0, batch.x);
  try {
    for (const ins of plan.instructions) {
      if (ins.op === "forward") step.forward(ins.stage, ins);
      else if (ins.op === "loss") step.loss(batch.y);
      else if (ins.op === "backward") step.backward(ins.stage);
      else step.free(ins.value);
    }
    const { loss, grads } = step.take();
    return { loss, grads, peakBytes: step.peakBytes, forwards: [...step.forwards] };
  } finally {
    step.dispose();
  }
}
