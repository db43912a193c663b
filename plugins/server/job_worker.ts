/**
 * The entry point of a job's worker (a Web Worker, under Deno and Bun alike): waits for one
 * `start` message, makes its own backend, trains the job with `executeJob`, and posts its
 * progress, checkpoints and result (see worker_protocol.ts). Training here never blocks the
 * server's request loop.
 * @module
 */
import { type Backend, isRematError } from "@remat/core";
import { createBackend } from "@remat/webgpu";
import { Cause, Effect, Exit } from "effect";
import { executeJob } from "./job_execution.ts";
import type { FromWorker, ToWorker } from "./worker_protocol.ts";

/** The worker's global scope, as much of it as this module uses. */
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
};

const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);
const liveBytes = (b: Backend | undefined) =>
  b ? Object.values(b.memory.report().live).reduce((a, v) => a + v, 0) : 0;

/** Tag and message of whatever stopped the job. */
function describe(e: unknown): { tag: string; message: string } {
  const tagged = e as { _tag?: unknown; message?: unknown } | null;
  const tag = isRematError(e) || typeof tagged?._tag === "string" ? String(tagged!._tag) : "InternalError";
  const message = e instanceof Error || typeof tagged?.message === "string"
    ? String(tagged!.message)
    : String(e);
  return { tag, message };
}

async function run(message: ToWorker): Promise<void> {
  let backend: Backend | undefined;
  try {
    backend = await createBackend(message.request.backend);
    post({ type: "device", device: backend.device });
    const b = backend;
    const exit = await Effect.runPromiseExit(executeJob(message.request, b, {
      onStep: (metric) => post({ type: "step", metric, liveBytes: liveBytes(b) }),
      resume: message.resume,
      checkpoint: message.checkpointEvery > 0
        ? {
          every: message.checkpointEvery,
          save: (bytes, step) => post({ type: "checkpoint", step, bytes }, [bytes.buffer as ArrayBuffer]),
        }
        : undefined,
    }));
    if (Exit.isSuccess(exit)) {
      post({ type: "done", weights: exit.value, liveBytes: liveBytes(b) }, [
        exit.value.buffer as ArrayBuffer,
      ]);
    } else {
      post({ type: "failed", error: describe(Cause.squash(exit.cause)), liveBytes: liveBytes(b) });
    }
  } catch (e) {
    post({ type: "failed", error: describe(e), liveBytes: liveBytes(backend) });
  } finally {
    backend?.dispose(); // the server terminates the worker once it has the last message
  }
}

scope.onmessage = (e) => {
  scope.onmessage = null; // one job per worker
  void run(e.data);
};
