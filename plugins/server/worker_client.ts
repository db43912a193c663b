/**
 * The server's side of a job's worker: starts the worker module, sends it the job, and hands
 * each message it posts to a typed handler. A worker that dies of an uncaught error (or fails
 * to load) is reported once as `failed`; nothing is reported after `terminate()`.
 * @module
 */
import type { FromWorker, ToWorker } from "./worker_protocol.ts";

/** Handlers of a worker's messages, one per message type. */
export type WorkerHandlers = {
  readonly [K in FromWorker["type"]]: (message: Extract<FromWorker, { type: K }>) => void;
};

/** A running job worker. */
export interface JobWorker {
  /** Stops the worker at once (its buffers go with it); idempotent. */
  terminate(): void;
}

/** The default worker module: job_worker.ts beside this file. */
export const JOB_WORKER_URL: URL = new URL("./job_worker.ts", import.meta.url);

/**
 * Starts a worker running `url` and sends it `start`.
 * @example
 * ```ts
 * const worker = startJobWorker(JOB_WORKER_URL, { type: "start", request, checkpointEvery: 50 }, handlers);
 * worker.terminate();
 * ```
 */
export function startJobWorker(url: URL, start: ToWorker, handlers: WorkerHandlers): JobWorker {
  const worker = new Worker(url.href, { type: "module" });
  let stopped = false;
  const terminate = () => {
    if (stopped) return;
    stopped = true;
    worker.terminate();
  };
  worker.onmessage = (e: MessageEvent<FromWorker>) => {
    if (stopped) return;
    const m = e.data;
    if (m.type === "done" || m.type === "failed") terminate();
    (handlers[m.type] as (message: FromWorker) => void)(m);
  };
  worker.onerror = (e: Event) => {
    e.preventDefault?.(); // handled here: not an uncaught error of the server
    if (stopped) return;
    terminate();
    const message = (e as ErrorEvent).message || "the job's worker stopped with an uncaught error";
    handlers.failed({ type: "failed", error: { tag: "WorkerCrashed", message }, liveBytes: 0 });
  };
  const transfer = start.resume ? [start.resume.buffer as ArrayBuffer] : [];
  worker.postMessage(start, transfer);
  return { terminate };
}
