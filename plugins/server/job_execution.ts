/**
 * One training job as an Effect: build the chain, data, plan and optimizer from the request,
 * train on the given backend, and return the trained parameters as a safetensors file.
 * Parameters, optimizer state and batches are released on success, failure and interruption
 * alike (the training loop scopes them; the trained parameters are released here).
 * @module
 */
import {
  type Backend,
  isRematError,
  readParams,
  releaseParams,
  type RematError,
  train,
  withBackend,
} from "@remat/core";
import { Effect } from "effect";
import { buildChain, buildDataset, buildOptimizer, buildPlan } from "./job_build.ts";
import type { JobRequest, StepMetric } from "./job_types.ts";
import { chainTensors, encodeSafetensors } from "./safetensors.ts";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint_codec.ts";

/** What a job reports while it runs, and where it starts. */
export interface ExecutionHooks {
  /** Called after every step with what it measured. */
  readonly onStep: (metric: StepMetric) => void;
  /** Receives a checkpoint file (see checkpoint_codec.ts) after every `every` steps. */
  readonly checkpoint?: {
    readonly every: number;
    readonly save: (bytes: Uint8Array, step: number) => void | Promise<void>;
  };
  /** A checkpoint file of an earlier attempt of this job to continue from. */
  readonly resume?: Uint8Array;
}

/** Runs a synchronous builder, turning remat's typed errors into failures (anything else is a defect). */
function build<A>(f: () => A): Effect.Effect<A, RematError> {
  return Effect.try({
    try: f,
    catch: (e) => {
      if (isRematError(e)) return e;
      throw e;
    },
  });
}

/**
 * Trains the job's model on `backend` and returns its weights as safetensors bytes.
 * @param request the validated job request
 * @param backend where to train; the caller owns and disposes it
 * @example
 * ```ts
 * const bytes = await Effect.runPromise(executeJob(request, new CpuBackend(), { onStep: console.log }));
 * ```
 */
export function executeJob(
  request: JobRequest,
  backend: Backend,
  hooks: ExecutionHooks,
): Effect.Effect<Uint8Array, RematError> {
  return Effect.gen(function* () {
    const chain = yield* build(() => buildChain(request));
    const data = yield* build(() => buildDataset(request, chain));
    const plan = yield* build(() => buildPlan(request, chain));
    const optimizer = yield* build(() => buildOptimizer(request.optimizer));
    const resume = hooks.resume;
    const from = resume ? yield* build(() => decodeCheckpoint(chain, resume)) : undefined;
    const checkpoint = hooks.checkpoint;
    const result = yield* train(chain, data, {
      steps: request.steps,
      batch: request.batch,
      seed: request.seed,
      optimizer,
      plan,
      onStep: (r) => hooks.onStep({ step: r.step, loss: r.loss, ms: r.ms, peakBytes: r.peakBytes }),
      resume: from,
      checkpoint: checkpoint && {
        every: checkpoint.every,
        save: (c) => checkpoint.save(encodeCheckpoint(chain, c), c.step),
      },
    }).pipe(Effect.provide(withBackend(backend)));
    const host = yield* Effect.promise(() => readParams(backend, result.params)).pipe(
      Effect.ensuring(Effect.sync(() => releaseParams(result.params))),
    );
    return encodeSafetensors(chainTensors(chain, host), { model: chain.name, steps: String(request.steps) });
  });
}
