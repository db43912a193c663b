/**
 * The training loop: initialise, then per step run the plan and the optimizer, reporting
 * loss, step time and peak activation bytes.
 * @module
 */
import { Effect } from "effect";
import { type Backend, BackendService } from "./backend.ts";
import { type Chain, targetDType } from "./chain.ts";
import type { Dataset } from "./data.ts";
import { DTypeMismatch, InvalidArgument, NonFiniteLoss, type RematError } from "./errors.ts";
import type { DType, HostArray } from "./tensor.ts";
import type { MemoryReport } from "./memory.ts";
import { adamw, type OptimizerSpec, OptimizerState } from "./optim/optimizer.ts";
import { initParams, type Params, readParams, releaseParams } from "./params.ts";
import {
  checkCheckpoint,
  type CheckpointOptions,
  type TrainingCheckpoint,
  uploadParams,
} from "./checkpoint.ts";
import { type Plan, storeAllPlan } from "./plan.ts";
import { staticProfile } from "./profile.ts";
import { attempt, Scheduler } from "./scheduler.ts";
import { requireKernels } from "./user_kernel.ts";
import type { StepBatch } from "./execute.ts";

/** Options of `train`. */
export interface TrainOptions {
  /** Number of optimizer steps (≥ 1). */
  readonly steps: number;
  /** Examples per batch (≥ 1). */
  readonly batch: number;
  /** Default AdamW with lr 1e-3. */
  readonly optimizer?: OptimizerSpec;
  /** The plan, or a function making it from the chain; default store-all. */
  readonly plan?: Plan | ((chain: Chain) => Plan);
  /** Seeds initialisation and dropout; default 0. */
  readonly seed?: number;
  /** Starting parameters (taken over by the run); default initialised from the seed. */
  readonly params?: Params;
  /** Called after every step. */
  readonly onStep?: (report: StepReport) => void;
  /**
   * Continue a run from its checkpoint instead of starting it: parameters, optimizer state and
   * the step counter are restored, and the remaining steps give the bits an uninterrupted run
   * gives. Not with `params`.
   */
  readonly resume?: TrainingCheckpoint;
  /** Writes a checkpoint every `every` steps. */
  readonly checkpoint?: CheckpointOptions;
}

/** What one step measured. */
export interface StepReport {
  /** The step index, from 0. */
  readonly step: number;
  /** The step's loss. */
  readonly loss: number;
  /** Wall time of the whole step (forward, backward, optimizer), milliseconds. */
  readonly ms: number;
  /** Peak live activation-side bytes during the step. */
  readonly peakBytes: number;
}

/** What a run produced. The caller owns `params` (release with `releaseParams`). */
export interface TrainResult {
  /** One report per step run (from the checkpoint's step on when resumed). */
  readonly history: ReadonlyArray<StepReport>;
  /** The trained parameters. */
  readonly params: Params;
  /** The plan every step ran. */
  readonly plan: Plan;
  /** Accountant snapshot after the run, optimizer state released. */
  readonly memory: MemoryReport;
}

/**
 * Trains `chain` on `data`. Needs a BackendService and the Scheduler.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { mlp, train, withBackend } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * import { spirals } from "@remat/datasets";
 * const chain = mlp({ depth: 4, width: 32, hidden: 64, classes: 2, inputs: 2 });
 * const result = await Effect.runPromise(
 *   train(chain, spirals(), { steps: 10, batch: 32 }).pipe(Effect.provide(withBackend(new CpuBackend()))),
 * );
 * console.log(result.history.at(-1)?.loss);
 * ```
 */
export function train(
  chain: Chain,
  data: Dataset,
  options: TrainOptions,
): Effect.Effect<TrainResult, RematError, BackendService | Scheduler> {
  return Effect.gen(function* () {
    const backend = yield* BackendService;
    const scheduler = yield* Scheduler;
    yield* attempt(() => checkOptions(options));
    // every user kernel the chain runs must run here, found before anything is allocated
    yield* attempt(() => requireKernels(backend, staticProfile(chain, options.batch).userKernels ?? []));
    const plan = typeof options.plan === "function"
      ? options.plan(chain)
      : options.plan ?? storeAllPlan(chain.stages.length);
    const seed = options.seed ?? 0;
    const resume = options.resume;
    if (resume) yield* attempt(() => checkCheckpoint(chain, { seed, steps: options.steps }, resume));
    const params = options.params ??
      (resume ? uploadParams(chain, backend, resume.params) : initParams(chain, backend, seed));
    const optimizer = yield* Effect.acquireRelease(
      Effect.sync(() => new OptimizerState(options.optimizer ?? adamw(), backend, params)),
      (s) => Effect.sync(() => s.release()),
    );
    const history: StepReport[] = [];
    const run = Effect.gen(function* () {
      if (resume) yield* attempt(() => optimizer.restore(resume.optimizer));
      const every = options.checkpoint?.every;
      for (let step = resume?.step ?? 0; step < options.steps; step++) {
        const started = performance.now();
        const batch = yield* attempt(() => uploadBatch(data, { backend, chain, step, size: options.batch }));
        const out = yield* scheduler.step(plan, { chain, params, batch, key: { seed, step } }).pipe(
          Effect.ensuring(Effect.sync(() => (batch.x.release(), batch.y.release()))),
        );
        optimizer.step(params, out.grads);
        for (const row of out.grads) for (const g of row) g.release();
        const loss = (yield* Effect.promise(() => backend.read(out.loss)))[0]!;
        out.loss.release();
        if (!Number.isFinite(loss)) return yield* Effect.fail(new NonFiniteLoss({ step, loss }));
        const report = { step, loss, ms: performance.now() - started, peakBytes: out.peakBytes };
        history.push(report);
        options.onStep?.(report);
        if (every !== undefined && (step + 1) % every === 0 && step + 1 < options.steps) {
          const save = options.checkpoint!.save;
          yield* Effect.promise(async () =>
            save({
              chain: chain.name,
              seed,
              step: step + 1,
              params: await readParams(backend, params),
              optimizer: await optimizer.snapshot(),
            })
          );
        }
        // Let the host's event loop run between steps (a server answering requests, a UI, a
        // timer that interrupts this fiber): without it a CPU run is all microtasks.
        yield* Effect.yieldNow;
      }
    });
    yield* run.pipe(
      Effect.onError(() => Effect.sync(() => options.params ? undefined : releaseParams(params))),
    );
    return { history, params, plan };
  }).pipe(
    Effect.scoped,
    // the snapshot is taken once the scope has released the optimizer state
    Effect.flatMap((r) =>
      Effect.gen(function* () {
        const backend = yield* BackendService;
        return { ...r, memory: backend.memory.report() };
      })
    ),
  );
}

/** Where and what {@link uploadBatch} uploads. */
export interface UploadOptions {
  /** The backend the batch goes to (as "io" memory). */
  readonly backend: Backend;
  /** The chain whose input and target layouts the batch must have. */
  readonly chain: Chain;
  /** The dataset step; default 0. */
  readonly step?: number;
  /** Examples in the batch. */
  readonly size: number;
}

/**
 * Copies batch `step` of `data` to the backend, checking it against the chain's layout: the
 * lengths, and the host arrays' types against the chain's input and target dtypes (both are
 * checked before either is uploaded).
 *
 * @example
 * ```ts
 * import { mlp, uploadBatch } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * import { spirals } from "@remat/datasets";
 * const chain = mlp({ depth: 1, width: 8, hidden: 16, classes: 2, inputs: 2 });
 * const { x, y } = uploadBatch(spirals(), { backend: new CpuBackend(), chain, size: 16 });
 * console.log(x.shape, y.shape); // [16, 2] [16]
 * ```
 */
export function uploadBatch(data: Dataset, options: UploadOptions): StepBatch {
  const { backend, chain, size } = options;
  const host = data.batch(options.step ?? 0, size);
  const xShape = [size, ...chain.input.shape];
  const yShape = [size, ...chain.target.shape];
  const xSize = xShape.reduce((a, b) => a * b, 1);
  const ySize = yShape.reduce((a, b) => a * b, 1);
  if (host.x.length !== xSize) {
    throw new InvalidArgument({
      name: `${data.name} batch x length`,
      value: host.x.length,
      expected: `${xSize} for shape [${xShape}]`,
    });
  }
  if (host.y.length !== ySize) {
    throw new InvalidArgument({
      name: `${data.name} batch y length`,
      value: host.y.length,
      expected: `${ySize} for shape [${yShape}]`,
    });
  }
  const hx = hostAs(host.x, chain.input.dtype, `${data.name} inputs`);
  const hy = hostAs(host.y, targetDType(chain), `${data.name} targets`); // both checked before uploading
  const x = backend.upload(hx, xShape, chain.input.dtype, "io");
  const y = backend.upload(hy, yShape, targetDType(chain), "io");
  return { x, y };
}

/** `data` as the typed array of `dtype`, or DTypeMismatch: floats are never truncated to ids, nor ids read as floats. */
function hostAs<D extends DType>(data: Float32Array | Int32Array, dtype: D, what: string): HostArray<D> {
  const got = data instanceof Int32Array ? "i32" : "f32";
  if (got !== dtype) {
    throw new DTypeMismatch({
      op: "uploadBatch",
      input: what,
      got: `${got} (${data.constructor.name})`,
      shape: [data.length],
      expected: `${dtype} (${dtype === "i32" ? "Int32Array" : "Float32Array"}), as the chain declares`,
    });
  }
  return data as HostArray<D>;
}

function checkOptions(o: TrainOptions): void {
  for (const name of ["steps", "batch"] as const) {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1) {
      throw new InvalidArgument({ name, value: v, expected: "a positive integer" });
    }
  }
  const every = o.checkpoint?.every;
  if (every !== undefined && !(Number.isInteger(every) && every >= 1)) {
    throw new InvalidArgument({
      name: "checkpoint.every",
      value: every,
      expected: "a positive integer (steps)",
    });
  }
  if (o.resume && o.params) {
    throw new InvalidArgument({
      name: "params",
      value: "given with resume",
      expected: "either params or resume: a checkpoint brings its own parameters",
    });
  }
}
