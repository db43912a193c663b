/**
 * The messages between the service and a job's worker. The server starts a worker per running
 * job and sends it one `start`; the worker reports the device, every step, every checkpoint,
 * and ends with `done` (the weights) or `failed`. Byte arrays are transferred, not copied.
 * Cancelling terminates the worker: its isolate, and with it every buffer it held, is gone.
 * @module
 */
import type { JobRequest, StepMetric } from "./job_types.ts";

/**
 * What the server sends a job's worker.
 *
 * @example
 * ```ts
 * import type { ToWorker } from "@remat/server";
 * const start = (request: ToWorker["request"]): ToWorker => ({ type: "start", request, checkpointEvery: 50 });
 * ```
 */
export interface ToWorker {
  /** The only message: run this job. */
  readonly type: "start";
  /** The validated request. */
  readonly request: JobRequest;
  /** Steps between checkpoints (0: none). */
  readonly checkpointEvery: number;
  /** A checkpoint file of an earlier attempt to continue from. */
  readonly resume?: Uint8Array;
}

/**
 * What a job's worker reports. `liveBytes` is what its backend's accountant holds at that
 * moment; in `done` and `failed` it is measured after everything was released (0 unless the job
 * leaked a buffer).
 *
 * @example
 * ```ts
 * import type { FromWorker } from "@remat/server";
 * const describe = (m: FromWorker) => m.type === "step" ? `step ${m.metric.step}` : m.type;
 * ```
 */
export type FromWorker =
  | { readonly type: "device"; readonly device: string }
  | { readonly type: "step"; readonly metric: StepMetric; readonly liveBytes: number }
  | { readonly type: "checkpoint"; readonly step: number; readonly bytes: Uint8Array }
  | { readonly type: "done"; readonly weights: Uint8Array; readonly liveBytes: number }
  | {
    readonly type: "failed";
    readonly error: { readonly tag: string; readonly message: string };
    readonly liveBytes: number;
  };
