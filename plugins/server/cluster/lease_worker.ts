/**
 * A cluster worker: claims one job at a time from PostgreSQL, trains it in a Web Worker (the
 * same job_worker.ts the embedded service uses), and holds the job's lease while it runs —
 * every write extends it, and a heartbeat every third of the lease keeps it between writes.
 *
 * Everything the job produces is written under the lease (see job_table.ts): step metrics
 * every `persistEveryMs`, a checkpoint every `checkpointEvery` steps (the file into the shared
 * data directory first, then the record naming it), and at the end the weights file and the
 * final record. A write refused with LeaseLost means another worker owns the job now (this one
 * was presumed dead) or it was cancelled: training stops at once and nothing more is written.
 * A worker that cannot reach the database for a whole lease stops its job on its own, since by
 * then another may have taken it over.
 *
 * A taken-over job continues from the checkpoint its record names, with the metrics after it
 * dropped; checkpoints restore the model, optimizer, data order and random state, so the final
 * weights are the bits of an uninterrupted run.
 * @module
 */
import os from "node:os";
import process from "node:process";
import type { JobRecord, StepMetric, WorkerIdentity } from "../job_types.ts";
import { JOB_WORKER_URL, type JobWorker, startJobWorker } from "../worker_client.ts";
import { type JobTable, type Lease, LeaseLost } from "./job_table.ts";
import type { SharedFiles } from "./shared_files.ts";

/** Options of {@link startLeaseWorker}. */
export interface LeaseWorkerOptions {
  /** The job table. */
  readonly table: JobTable;
  /** The shared data directory. */
  readonly files: SharedFiles;
  /** Who this worker is; default this host, this process and a random part. */
  readonly identity?: WorkerIdentity;
  /** Seconds a lease lasts without a write or heartbeat; default 15. */
  readonly leaseSeconds?: number;
  /** Steps between checkpoints; default 50 (0: none — a taken-over job then starts over). */
  readonly checkpointEvery?: number;
  /** Starts a job gets before it is failed when its workers keep dying; default 3. */
  readonly maxAttempts?: number;
  /** How often metrics are written, ms; default 500. */
  readonly persistEveryMs?: number;
  /** How often an idle worker looks for work when no notification came, ms; default 1000. */
  readonly pollMs?: number;
  /** The training worker module; default job_worker.ts. */
  readonly workerUrl?: URL;
  /** Receives one object per event (claimed, resumed, lease lost, finished …). */
  readonly log?: (fields: Record<string, unknown>) => void;
}

/** A started worker. */
export interface LeaseWorker {
  /** Who it is. */
  readonly identity: WorkerIdentity;
  /** The job it trains now, if any. */
  current(): string | undefined;
  /** Live bytes of the job it trains (0 when idle). */
  liveBytes(): number;
  /** Stops: a running job is given back to the queue (its checkpoint kept) for another worker. */
  stop(): Promise<void>;
}

/** A worker identity for this process: host, pid and a random suffix. */
export function defaultIdentity(): WorkerIdentity {
  const host = os.hostname();
  const suffix = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
  return { id: `${host}-${process.pid}-${suffix}`, host, pid: process.pid };
}

/**
 * Starts claiming and training jobs until `stop()`.
 * @example
 * ```ts
 * const worker = await startLeaseWorker({ table, files, leaseSeconds: 15 });
 * // … later
 * await worker.stop();
 * ```
 */
export async function startLeaseWorker(options: LeaseWorkerOptions): Promise<LeaseWorker> {
  const { table, files } = options;
  const identity = options.identity ?? defaultIdentity();
  const leaseSeconds = options.leaseSeconds ?? 15;
  if (!(leaseSeconds > 0 && Number.isFinite(leaseSeconds))) {
    throw new RangeError(`leaseSeconds: got ${leaseSeconds}; expected a positive number of seconds`);
  }
  const checkpointEvery = options.checkpointEvery ?? 50;
  const maxAttempts = options.maxAttempts ?? 3;
  const persistEveryMs = options.persistEveryMs ?? 500;
  const pollMs = options.pollMs ?? 1000;
  const workerUrl = options.workerUrl ?? JOB_WORKER_URL;
  const log = (fields: Record<string, unknown>) => options.log?.({ worker: identity.id, ...fields });

  let stopping = false;
  let wake: (() => void) | undefined;
  let running: { id: string; cancel(): void; release(): Promise<void>; liveBytes: number } | undefined;
  const unlisten = await table.listenWork(
    () => wake?.(),
    (id) => {
      if (running?.id === id) running.cancel();
    },
  );

  /** Trains one claimed job until it ends, is cancelled, is released or its lease is lost. */
  async function train(lease: Lease): Promise<void> {
    const id = lease.id;
    let record: JobRecord = lease.record;
    const removeCheckpoints = (keep?: JobRecord["checkpoint"]) =>
      files.removeCheckpoints(id, keep).catch((e) =>
        log({ level: "warn", msg: "checkpoint cleanup", job: id, error: String(e) })
      );
    log({
      msg: "claimed",
      job: id,
      fence: lease.fence,
      attempt: record.attempts,
      takenOver: lease.takenOver,
    });
    if (lease.cancelRequested) {
      await table.write(lease, cancelled(record, "cancelled before it started"), [], { final: true }).catch(
        () => {},
      );
      await removeCheckpoints();
      return;
    }
    let resume: Uint8Array | undefined;
    const ck = record.checkpoint;
    if (ck) {
      try {
        resume = await files.readCheckpoint(id, ck);
        if (!resume) throw new Error("the file is missing");
      } catch (e) {
        log({
          level: "warn",
          msg: "checkpoint unusable, starting over",
          job: id,
          error: (e as Error).message,
        });
        resume = undefined;
      }
    }
    const from = resume ? ck!.step : 0;
    record = {
      ...record,
      stepsDone: from,
      resumedFrom: resume ? from : undefined,
      checkpoint: resume ? ck : undefined,
    };
    try {
      await table.write(lease, record, [], { dropMetricsFrom: from });
    } catch (e) {
      log({ level: "warn", msg: "lost the job before it started", job: id, error: (e as Error).message });
      return;
    }
    if (resume) log({ msg: "resumed", job: id, fromStep: from });
    if (stopping) {
      await table.release(lease, record).catch(() => {});
      return;
    }

    await new Promise<void>((resolve) => {
      const pending: StepMetric[] = [];
      const handle: { worker?: JobWorker } = {};
      let ended = false, finishing = false;
      let writes = Promise.resolve();
      let lastPersist = performance.now(), lastConfirmed = performance.now();
      const entry = { id, cancel, release, liveBytes: 0 };
      running = entry;

      const end = (outcome: string) => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        handle.worker?.terminate();
        entry.liveBytes = 0;
        log({ msg: "ended", job: id, fence: lease.fence, outcome, stepsDone: record.stepsDone });
        resolve();
      };
      const lost = (why: string) => {
        log({ level: "warn", msg: "lease lost: stopping the job", job: id, fence: lease.fence, why });
        end("lease lost");
      };
      /** Runs fenced writes one after another; LeaseLost ends the job, other errors are logged. */
      const enqueue = (what: string, write: () => Promise<void>) => {
        writes = writes.then(async () => {
          if (ended) return;
          try {
            await write();
            lastConfirmed = performance.now();
          } catch (e) {
            if (e instanceof LeaseLost) lost(e.message);
            else {log({
                level: "error",
                msg: `could not write the ${what}`,
                job: id,
                error: (e as Error).message,
              });}
          }
        });
        return writes;
      };
      const persist = () => {
        lastPersist = performance.now();
        return enqueue("metrics", async () => {
          const batch = pending.splice(0), snapshot = record;
          try {
            const { cancelRequested } = await table.write(lease, snapshot, batch);
            if (cancelRequested) cancel();
          } catch (e) {
            pending.unshift(...batch); // written with the next try
            throw e;
          }
        });
      };
      const finish = (final: JobRecord, what: string) =>
        enqueue(what, async () => {
          await table.write(lease, final, pending.splice(0), { final: true });
          record = final;
          await removeCheckpoints();
          end(final.state);
        });
      function cancel() {
        if (ended || finishing) return; // the weights arrived first: the job succeeds
        finishing = true;
        handle.worker?.terminate();
        void finish(cancelled(record, "cancelled while running"), "cancellation");
      }
      function release(): Promise<void> {
        if (ended || finishing) return writes;
        finishing = true;
        handle.worker?.terminate();
        return enqueue("release", async () => {
          await table.release(lease, record, pending.splice(0));
          end("released");
        });
      }
      const heartbeat = setInterval(() => {
        if (performance.now() - lastConfirmed > leaseSeconds * 1000) {
          return lost(`no word from the database for over ${leaseSeconds} s`);
        }
        table.heartbeat(lease).then(
          ({ cancelRequested }) => {
            lastConfirmed = performance.now();
            if (cancelRequested) cancel();
          },
          (e) => {
            if (e instanceof LeaseLost) lost(e.message);
            else log({ level: "warn", msg: "heartbeat failed", job: id, error: (e as Error).message });
          },
        );
      }, Math.max(50, (leaseSeconds * 1000) / 3));

      handle.worker = startJobWorker(
        workerUrl,
        { type: "start", request: record.request, checkpointEvery, resume },
        {
          device: (m) => {
            record = { ...record, device: m.device };
            void persist();
          },
          step: ({ metric, liveBytes }) => {
            if (ended || finishing) return;
            entry.liveBytes = liveBytes;
            pending.push(metric);
            record = {
              ...record,
              stepsDone: metric.step + 1,
              lastLoss: metric.loss,
              lastStepMs: metric.ms,
              peakBytes: Math.max(record.peakBytes ?? 0, metric.peakBytes),
            };
            if (performance.now() - lastPersist >= persistEveryMs) void persist();
          },
          checkpoint: ({ step, bytes }) => {
            if (ended || finishing) return;
            void enqueue("checkpoint", async () => {
              const file = await files.saveCheckpoint(id, step, bytes);
              const batch = pending.splice(0);
              try {
                await table.write(lease, { ...record, checkpoint: file }, batch);
              } catch (e) {
                pending.unshift(...batch);
                throw e;
              }
              record = { ...record, checkpoint: file };
              await removeCheckpoints(file);
            });
          },
          done: ({ weights }) => {
            if (ended || finishing) return;
            finishing = true;
            entry.liveBytes = 0;
            void enqueue("weights", async () => {
              let final: JobRecord;
              try {
                const file = await files.saveWeights(id, weights);
                final = {
                  ...record,
                  state: "succeeded",
                  hasWeights: true,
                  weights: file,
                  checkpoint: undefined,
                };
              } catch (e) {
                final = {
                  ...record,
                  state: "failed",
                  checkpoint: undefined,
                  error: {
                    tag: "StorageError",
                    message: `could not store the weights: ${(e as Error).message}`,
                  },
                };
              }
              final = { ...final, finishedAt: new Date().toISOString() };
              await table.write(lease, final, pending.splice(0), { final: true });
              record = final;
              await removeCheckpoints();
              end(final.state);
            });
          },
          failed: ({ error }) => {
            if (ended || finishing) return;
            finishing = true;
            void finish(
              {
                ...record,
                state: "failed",
                error,
                checkpoint: undefined,
                finishedAt: new Date().toISOString(),
              },
              "failure",
            );
          },
        },
      );
    });
    running = undefined;
  }

  const loop = (async () => {
    while (!stopping) {
      let lease: Lease | undefined;
      try {
        lease = await table.claim(identity, { leaseSeconds, maxAttempts });
      } catch (e) {
        log({ level: "error", msg: "could not claim", error: (e as Error).message });
      }
      if (lease) {
        await train(lease).catch((e) =>
          log({ level: "error", msg: "job crashed", job: lease!.id, error: String(e) })
        );
        continue;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, pollMs);
        wake = () => (clearTimeout(t), r());
      });
      wake = undefined;
    }
  })();

  return {
    identity,
    current: () => running?.id,
    liveBytes: () => running?.liveBytes ?? 0,
    async stop() {
      stopping = true;
      wake?.();
      await running?.release();
      await loop;
      await unlisten().catch(() => {});
    },
  };
}

function cancelled(record: JobRecord, message: string): JobRecord {
  return {
    ...record,
    state: "cancelled",
    checkpoint: undefined,
    finishedAt: new Date().toISOString(),
    error: { tag: "Cancelled", message },
  };
}
