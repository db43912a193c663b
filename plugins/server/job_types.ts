/**
 * The records the training service keeps: a job's request, its state and what it measured.
 * Shared by the request schemas, the store, the runner and the routes.
 * @module
 */

/**
 * Where a job is in its life. `interrupted`: it was queued or running when the service stopped.
 * `corrupt`: its record file could not be read (see {@link CorruptRecord}).
 */
export type JobState =
  | "queued"
  | "running"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "interrupted"
  | "corrupt";

/** States a job never leaves. */
export const FINAL_STATES: ReadonlySet<JobState> = new Set([
  "succeeded",
  "failed",
  "cancelled",
  "interrupted",
  "corrupt",
]);

/** A model to build: a residual MLP or a small GPT (see `@remat/core`'s builders). */
export type ModelSpec =
  | {
    readonly kind: "mlp";
    readonly depth: number;
    readonly width: number;
    readonly hidden: number;
    readonly classes: number;
    readonly inputs: number;
  }
  | {
    readonly kind: "gpt";
    readonly layers: number;
    readonly dModel: number;
    readonly heads: number;
    readonly seqLen: number;
  };

/** Training data: the generated datasets, or windows of the shipped text (gpt only). */
export type DataSpec =
  | { readonly kind: "spirals"; readonly noise: number }
  | { readonly kind: "teacher" }
  | { readonly kind: "text" };

/** A checkpointing strategy and its parameter. */
export type StrategySpec =
  | { readonly name: "storeAll" }
  | { readonly name: "sqrt" }
  | { readonly name: "uniform"; readonly every: number }
  | { readonly name: "revolve"; readonly slots: number }
  | { readonly name: "budget"; readonly bytes?: number; readonly fraction?: number }
  | { readonly name: "optimal"; readonly bytes: number };

/** The optimizer of a job. */
export type OptimizerChoice =
  | { readonly kind: "adamw"; readonly lr: number; readonly weightDecay: number }
  | { readonly kind: "sgd"; readonly lr: number; readonly momentum: number };

/** `POST /v1/plans`: what to plan, without training. */
export interface PlanRequest {
  /** The model to build. */
  readonly model: ModelSpec;
  /** The checkpointing strategy and its options. */
  readonly strategy: StrategySpec;
  /** Examples per batch. */
  readonly batch: number;
}

/** `POST /v1/jobs`: everything a training job needs, defaults filled in. */
export interface JobRequest extends PlanRequest {
  /** The dataset to train on. */
  readonly data: DataSpec;
  /** The optimizer and its hyper-parameters. */
  readonly optimizer: OptimizerChoice;
  /** Optimizer steps to run. */
  readonly steps: number;
  /** Seeds initialisation, data and dropout. */
  readonly seed: number;
  /** Where to train; "auto" picks WebGPU when an adapter is available, else the CPU. */
  readonly backend: "cpu" | "webgpu" | "auto";
}

/** One step as the job saw it. */
export interface StepMetric {
  /** The step index, from 0. */
  readonly step: number;
  /** The step's loss. */
  readonly loss: number;
  /** Wall time of the step, milliseconds. */
  readonly ms: number;
  /** Peak activation bytes the step measured. */
  readonly peakBytes: number;
}

/** A job as stored and as `GET /v1/jobs/:id` returns it. */
export interface JobRecord {
  /** The job's id. */
  readonly id: string;
  /** Where the job is in its lifecycle; never `corrupt` (that is a {@link CorruptRecord}). */
  readonly state: Exclude<JobState, "corrupt">;
  /** The request, defaults filled in. */
  readonly request: JobRequest;
  /** When it was submitted (ISO 8601). */
  readonly createdAt: string;
  /** When it started running (ISO 8601). */
  readonly startedAt?: string;
  /** When it reached a final state (ISO 8601). */
  readonly finishedAt?: string;
  /** Steps done so far, of `request.steps`. */
  readonly stepsDone: number;
  /** The loss of the last step done. */
  readonly lastLoss?: number;
  /** Wall time of the last step, milliseconds. */
  readonly lastStepMs?: number;
  /** Largest peak activation bytes measured so far. */
  readonly peakBytes?: number;
  /** The backend's description, once the job started. */
  readonly device?: string;
  /** Why the job failed, was cancelled or was interrupted. */
  readonly error?: { readonly tag: string; readonly message: string };
  /** True once the trained parameters are stored. */
  readonly hasWeights: boolean;
  /**
   * Size and SHA-256 (hex) of the stored weights file, as `JobStore.saveWeights` returned them;
   * `GET /v1/jobs/:id/weights` serves the file only if it still matches. Absent in older records,
   * whose weights are served unchecked.
   */
  readonly weights?: StoredFile;
  /** Times the job was started: 1 for a job that ran straight through, more when it was resumed. */
  readonly attempts?: number;
  /** The last checkpoint stored (steps done, size and SHA-256); removed once the job ends. */
  readonly checkpoint?: StoredFile & { readonly step: number };
  /** The checkpoint step the current (or last) attempt continued from. */
  readonly resumedFrom?: number;
  /** The `Idempotency-Key` the job was submitted with. */
  readonly idempotencyKey?: string;
  /** With a shared database: the worker process that trains (or last trained) the job. */
  readonly worker?: WorkerIdentity;
}

/**
 * A worker process of a cluster (see cluster/lease_worker.ts): its id, host and process id.
 * @example
 * ```ts
 * const me: WorkerIdentity = { id: "w-1", host: "gpu-7", pid: 4242 };
 * ```
 */
export interface WorkerIdentity {
  /** Unique among the cluster's workers (default: host, pid and a random part). */
  readonly id: string;
  /** The host name. */
  readonly host: string;
  /** The process id on that host. */
  readonly pid: number;
}

/**
 * The size and SHA-256 of a stored file, as `JobStore.saveWeights` and `saveCheckpoint` return them.
 * @example
 * ```ts
 * const weights: StoredFile = await store.saveWeights(id, bytes);
 * await store.readWeights(id, weights); // throws WeightsCorrupt if the file changed since
 * ```
 */
export interface StoredFile {
  /** Length of the file in bytes. */
  readonly bytes: number;
  /** SHA-256 of the file, lowercase hex. */
  readonly sha256: string;
}

/**
 * A job whose record file (`<id>.json`) could not be read: listed so that its id, metrics and
 * weights stay reachable, never rewritten or deleted. Its request is lost with the file.
 * @example
 * ```ts
 * for (const r of store.corrupt) console.warn(`${r.id}: ${r.error.message}`);
 * ```
 */
export interface CorruptRecord {
  /** The job's id, from the file name. */
  readonly id: string;
  /** Always `corrupt`. */
  readonly state: "corrupt";
  /** The record file's last modification time (ISO 8601): its creation time is lost with it. */
  readonly createdAt: string;
  /** Always 0: the steps done are lost with the record. */
  readonly stepsDone: number;
  /** True when a `<id>.safetensors` file exists (it is verified when downloaded). */
  readonly hasWeights: boolean;
  /** Why the record could not be read. */
  readonly error: { readonly tag: "CorruptRecord"; readonly message: string };
}
