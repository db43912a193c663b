/**
 * Helpers for suites that run whole training steps on a backend.
 * @module
 */
import assert from "node:assert/strict";
import {
  type Chain,
  executePlan,
  mix32,
  type Plan,
  type StepInputs,
  storeAllPlan,
  targetDType,
} from "@remat/core";

/**
 * A batch on the host for a chain: random features or token ids, and random class ids or
 * f32 targets in [0, 1), as the chain declares.
 *
 * @example
 * ```ts
 * import { mlp } from "@remat/core";
 * import { randomBatch } from "@remat/conformance";
 * const { x, y } = randomBatch(mlp({ depth: 1, width: 4, hidden: 8, classes: 3, inputs: 2 }), 8, 1);
 * console.log(x.length, y.length); // 16 8
 * ```
 */
export function randomBatch(
  chain: Chain,
  batch: number,
  seed: number,
): { x: Float32Array | Int32Array; y: Float32Array | Int32Array } {
  const xSize = batch * chain.input.shape.reduce((a, b) => a * b, 1);
  const ySize = batch * chain.target.shape.reduce((a, b) => a * b, 1);
  const vocab = Number(chain.config.vocab ?? 2);
  const classes = Number(chain.config.classes ?? chain.config.vocab ?? 2);
  const u = (i: number) => mix32((mix32(seed) ^ i) >>> 0) / 4294967296;
  const x = chain.input.dtype === "i32"
    ? Int32Array.from({ length: xSize }, (_, i) => Math.floor(u(i) * vocab))
    : Float32Array.from({ length: xSize }, (_, i) => 2 * u(i) - 1);
  // class ids for i32 targets; values in [0, 1) for f32 targets (valid for every shipped loss)
  const y = targetDType(chain) === "i32"
    ? Int32Array.from({ length: ySize }, (_, i) => Math.floor(u(xSize + i) * classes))
    : Float32Array.from({ length: ySize }, (_, i) => u(xSize + i));
  return { x, y };
}

/** Loss and host copies of every parameter gradient for one executed plan. */
export interface HostStep {
  /** The step's loss. */
  readonly loss: number;
  /** Host copy of ∂loss/∂param, per stage and parameter. */
  readonly grads: Float32Array[][];
  /** Peak activation-side bytes the step measured. */
  readonly peakBytes: number;
  /** Forward executions per stage. */
  readonly forwards: ReadonlyArray<number>;
}

/** What {@link hostStep} runs: a step's inputs and a host batch. */
export interface HostStepInputs extends StepInputs {
  /** The batch on the host; uploaded for the step and released after it. */
  readonly host: { readonly x: Float32Array | Int32Array; readonly y: Float32Array | Int32Array };
}

/**
 * Runs one step of `plan` and copies its results to the host, releasing everything it made.
 *
 * @example
 * ```ts
 * import { initParams, mlp, storeAllPlan } from "@remat/core";
 * import { hostStep, randomBatch } from "@remat/conformance";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 2, inputs: 2 });
 * const params = initParams(chain, backend, 0);
 * const step = await hostStep(storeAllPlan(chain.stages.length), { backend, chain, params, host: randomBatch(chain, 4, 0) });
 * console.log(step.loss, step.forwards);
 * ```
 */
export async function hostStep(plan: Plan, inputs: HostStepInputs): Promise<HostStep> {
  const { backend, chain, host } = inputs;
  const batch = host.y.length / Math.max(1, chain.target.shape.reduce((a, b) => a * b, 1));
  const xShape = [batch, ...chain.input.shape];
  const x = host.x instanceof Int32Array
    ? backend.upload(host.x, xShape, "i32", "io")
    : backend.upload(host.x, xShape, "f32", "io");
  const yShape = [batch, ...chain.target.shape];
  const y = host.y instanceof Int32Array
    ? backend.upload(host.y, yShape, "i32", "io")
    : backend.upload(host.y, yShape, "f32", "io");
  try {
    const out = executePlan(plan, { ...inputs, key: inputs.key ?? { seed: 1, step: 0 }, batch: { x, y } });
    const tensors = [out.loss, ...out.grads.flat()];
    // One readback for the loss and every gradient where the backend can batch them.
    const host = backend.readMany
      ? await backend.readMany(tensors)
      : await Promise.all(tensors.map((t) => backend.read(t)));
    for (const t of tensors) t.release();
    let next = 1;
    const grads = out.grads.map((row) => row.map(() => host[next++] as Float32Array));
    return { loss: host[0]![0]!, grads, peakBytes: out.peakBytes, forwards: out.forwards };
  } finally {
    x.release();
    y.release();
  }
}

/**
 * True when two float arrays hold the same bits.
 *
 * @example
 * ```ts
 * import { bitEqual } from "@remat/conformance";
 * bitEqual(new Float32Array([0]), new Float32Array([-0])); // false: the sign bit differs
 * ```
 */
export function bitEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

/**
 * Store-all's step on the same inputs: the reference every checkpointed plan is compared with.
 *
 * @example
 * ```ts
 * const reference = await storeAllStep({ backend, chain, params, host });
 * ```
 */
export function storeAllStep(inputs: HostStepInputs): Promise<HostStep> {
  return hostStep(storeAllPlan(inputs.chain.stages.length), inputs);
}

/**
 * Asserts `got` has `want`'s loss and every parameter gradient bit for bit; a failure names
 * `where`, the stage and the parameter.
 *
 * @example
 * ```ts
 * assertStepBits(await hostStep(plan, inputs), await storeAllStep(inputs), chain, plan.strategy);
 * ```
 */
export function assertStepBits(got: HostStep, want: HostStep, chain: Chain, where: string): void {
  assert.ok(Object.is(got.loss, want.loss), `${where}: loss ${got.loss} vs ${want.loss}`);
  got.grads.forEach((row, s) =>
    row.forEach((g, j) =>
      assert.ok(
        bitEqual(g, want.grads[s]![j]!),
        `${where}: ∂${chain.stages[s]!.name}.${chain.stages[s]!.params[j]!.name}`,
      )
    )
  );
}
