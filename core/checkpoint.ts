/**
 * Training checkpoints: what a run needs to continue exactly where it stopped. remat's runs are
 * deterministic functions of (chain, data, seed, optimizer, steps): batch `s` is
 * `data.batch(s, size)` and dropout at step `s` is keyed by (seed, s), so the data cursor and
 * the random stream's position are both the step counter. A checkpoint therefore holds the
 * step counter, every parameter (model state included), and the optimizer's state; resuming
 * from it gives the same bits as never having stopped.
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Chain } from "./chain.ts";
import { CheckpointMismatch } from "./errors.ts";
import type { OptimizerSnapshot } from "./optim/optimizer.ts";
import type { Params } from "./params.ts";
import { sizeOf } from "./tensor.ts";

/**
 * A run's state after `step` steps, on the host.
 *
 * @example
 * ```ts
 * import type { TrainingCheckpoint } from "@remat/core";
 * const describe = (c: TrainingCheckpoint) => `${c.chain} seed ${c.seed}: ${c.step} steps done`;
 * ```
 */
export interface TrainingCheckpoint {
  /** The chain's name (its configuration). */
  readonly chain: string;
  /** The run's seed (initialisation and dropout). */
  readonly seed: number;
  /** Steps done: the index of the next step, which is also the data cursor. */
  readonly step: number;
  /** Every parameter, [stage][parameter], model state included. */
  readonly params: ReadonlyArray<ReadonlyArray<Float32Array>>;
  /** The optimizer's state. */
  readonly optimizer: OptimizerSnapshot;
}

/**
 * How often `train` writes a checkpoint, and where to.
 *
 * @example
 * ```ts
 * import type { CheckpointOptions } from "@remat/core";
 * const saved: number[] = [];
 * const options: CheckpointOptions = { every: 50, save: (c) => void saved.push(c.step) };
 * ```
 */
export interface CheckpointOptions {
  /** Steps between checkpoints (after steps every, 2·every, … before the last). */
  readonly every: number;
  /** Receives each checkpoint; the run waits for it (write it atomically). */
  readonly save: (checkpoint: TrainingCheckpoint) => void | Promise<void>;
}

/**
 * Checks that `checkpoint` belongs to a run of `chain` with `seed` and `steps` steps: same
 * chain name, seed and parameter shapes, and not past the last step.
 * @throws CheckpointMismatch naming the first difference
 * @example
 * ```ts
 * import { checkCheckpoint, mlp } from "@remat/core";
 * const chain = mlp({ depth: 1, width: 4, hidden: 8, classes: 2 });
 * try {
 *   checkCheckpoint(chain, { seed: 0, steps: 10 }, {
 *     chain: "another", seed: 0, step: 5, params: [], optimizer: { kind: "sgd", steps: 5, slots: [] },
 *   });
 * } catch (e) {
 *   console.log((e as Error).message); // the checkpoint does not belong to this run: chain is "another" …
 * }
 * ```
 */
export function checkCheckpoint(
  chain: Chain,
  run: { readonly seed: number; readonly steps: number },
  checkpoint: TrainingCheckpoint,
): void {
  const mismatch = (field: string, expected: unknown, got: unknown) =>
    new CheckpointMismatch({ field, expected: JSON.stringify(expected), got: JSON.stringify(got) });
  if (checkpoint.chain !== chain.name) throw mismatch("chain", chain.name, checkpoint.chain);
  if (checkpoint.seed !== run.seed) throw mismatch("seed", run.seed, checkpoint.seed);
  if (!(Number.isInteger(checkpoint.step) && checkpoint.step >= 0 && checkpoint.step <= run.steps)) {
    throw mismatch("step", `an integer in 0..${run.steps}`, checkpoint.step);
  }
  if (checkpoint.params.length !== chain.stages.length) {
    throw mismatch("stages", chain.stages.length, checkpoint.params.length);
  }
  chain.stages.forEach((stage, i) => {
    const row = checkpoint.params[i]!;
    if (row.length !== stage.params.length) {
      throw mismatch(`parameters of stage ${stage.name}`, stage.params.length, row.length);
    }
    stage.params.forEach((spec, j) => {
      if (row[j]!.length !== sizeOf(spec.shape)) {
        throw mismatch(`elements of ${stage.name}.${spec.name}`, sizeOf(spec.shape), row[j]!.length);
      }
    });
  });
}

/**
 * Uploads host parameters (a checkpoint's, or `readParams`') to `backend` in `chain`'s layout,
 * model state as "state" memory and the rest as "parameter" memory.
 * @example
 * ```ts
 * import { initParams, mlp, readParams, uploadParams } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const chain = mlp({ depth: 1, width: 4, hidden: 8, classes: 2 });
 * const copy = uploadParams(chain, backend, await readParams(backend, initParams(chain, backend, 0)));
 * ```
 */
export function uploadParams(
  chain: Chain,
  backend: Backend,
  host: ReadonlyArray<ReadonlyArray<Float32Array>>,
): Params {
  return chain.stages.map((stage, i) =>
    stage.params.map((spec, j) =>
      backend.upload(host[i]![j]!, spec.shape, "f32", spec.state ? "state" : "parameter")
    )
  );
}
