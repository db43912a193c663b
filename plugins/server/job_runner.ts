/**
 * The job runner: a bounded queue of training jobs and a concurrency limit; each running job
 * trains in its own worker (worker_client.ts), so training never blocks the request loop. A
 * job's record lives in the {@link JobStore} (written atomically, so a restart loses nothing);
 * its steps are appended to its metrics file and announced on {@link JobEvents}; every
 * `checkpointEvery` steps its worker sends a checkpoint, stored atomically beside the record.
 *
 * Cancelling terminates the worker (within the step it is in; its buffers go with it). When the
 * service stops, or the whole process dies, running jobs keep their last checkpoint; the next
 * runner over the same store queues interrupted jobs again (unless `resume: false`) and each
 * continues from its checkpoint, ending with the weights an uninterrupted run gives, bit for
 * bit. `attempts` counts the starts.
 * @module
 */
import { Context, Effect, Layer } from "effect";
import { JobEvents } from "./job_events.ts";
import type { JobData } from "./job_data.ts";
import type { JobStore } from "./job_store.ts";
import type { JobRecord, JobRequest, StepMetric } from "./job_types.ts";
import { JOB_WORKER_URL, type JobWorker, startJobWorker } from "./worker_client.ts";

/** Options of {@link makeJobRunner}. */
export interface RunnerOptions {
  /** Jobs running at once; default 1 (one job per device: the service drives one device). */
  readonly concurrency?: number;
  /** Jobs waiting beyond the running ones before submissions are refused; default 16. */
  readonly maxQueued?: number;
  /** How often a running job's record and metrics are written, ms; default 500. */
  readonly persistEveryMs?: number;
  /** Steps between checkpoints of a running job; default 50; 0 turns checkpoints off. */
  readonly checkpointEvery?: number;
  /** Queue the jobs a stopped or crashed service left interrupted; default true. */
  readonly resume?: boolean;
  /** Starts a job gets before an interrupted one is left failed (a job that kills its host); default 3. */
  readonly maxAttempts?: number;
  /** The worker module; default job_worker.ts. */
  readonly workerUrl?: URL;
  /** Called with every job transition (state changes), e.g. to log it. */
  readonly onTransition?: (record: JobRecord) => void;
}

/**
 * The queue is full: try again later.
 *
 * @example
 * ```ts
 * import { QueueFull } from "@remat/server";
 * const e = new QueueFull(16, 5);
 * console.log(e.message); // "the job queue is full (16 waiting); retry after 5 s"
 * ```
 */
export class QueueFull extends Error {
  /** Tells this failure apart, as Effect's tagged errors do. */
  readonly _tag = "QueueFull";
  /** `queued` jobs are waiting; the client should retry after `retryAfterSeconds`. */
  constructor(readonly queued: number, readonly retryAfterSeconds: number) {
    super(`the job queue is full (${queued} waiting); retry after ${retryAfterSeconds} s`);
  }
}

/**
 * An `Idempotency-Key` was sent again with a different request body.
 *
 * @example
 * ```ts
 * import { IdempotencyKeyReused } from "@remat/server";
 * new IdempotencyKeyReused("k1", "job_1").message;
 * ```
 */
export class IdempotencyKeyReused extends Error {
  /** Tells this failure apart, as Effect's tagged errors do. */
  readonly _tag = "IdempotencyKeyReused";
  /** `key` already names job `jobId`, submitted with another body. */
  constructor(readonly key: string, readonly jobId: string) {
    super(`Idempotency-Key "${key}" was already used for job "${jobId}" with a different request body`);
  }
}

/** What `submit` returns: the job, and whether it was created now or found by its idempotency key. */
export interface Submitted {
  /** The job's record. */
  readonly record: JobRecord;
  /** True when an earlier submission with the same `Idempotency-Key` created it. */
  readonly replayed: boolean;
}

/** What the runner offers the routes. */
export interface JobRunnerShape {
  /** Where metrics and weights are read from. */
  readonly store: JobData;
  /** Where each job's state changes and steps are announced. */
  readonly events: JobEvents;
  /**
   * Queues a job; fails with QueueFull when the queue is at its bound (checked and taken in
   * one synchronous step, so concurrent submissions cannot overshoot it). With an
   * idempotency key already used for the same request, returns that job instead.
   */
  submit(request: JobRequest, options?: { readonly idempotencyKey?: string }): Promise<Submitted>;
  /**
   * Cancels a queued or running job; resolves with its final record (undefined: no such job).
   * A job that finished first (its weights arrived before the cancel) keeps its state and
   * weights: the record returned then says `succeeded`, not `cancelled`.
   */
  cancel(id: string): Promise<JobRecord | undefined>;
  /** The job submitted with `key` as its `Idempotency-Key`, if any. */
  findByIdempotencyKey(key: string): JobRecord | undefined;
  /** Queues an interrupted job again, to continue from its checkpoint; undefined when not interrupted. */
  resume(id: string): JobRecord | undefined;
  /** The current record. */
  get(id: string): JobRecord | undefined;
  /** Every record, oldest first. */
  list(): JobRecord[];
  /** Queued and running counts. */
  load(): { readonly queued: number; readonly running: number };
  /** Live bytes held by the running jobs' backends, plus any a finished job left unreleased. */
  liveBytes(): number;
  /** Stops running jobs (recorded `interrupted`, their checkpoints kept) and writes everything. */
  close(): Promise<void>;
}

/** The base class of {@link JobRunner}: `Context.Service<JobRunner, JobRunnerShape>()` under its key. */
export const JobRunnerBase: Context.ServiceClass<JobRunner, "@remat/server/JobRunner", JobRunnerShape> =
  Context.Service<JobRunner, JobRunnerShape>()("@remat/server/JobRunner");

/**
 * The job runner as an Effect service.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { JobRunner, jobRunnerLayer, JobStore } from "@remat/server";
 * const store = await JobStore.open("./remat-data");
 * const queued = await Effect.runPromise(
 *   Effect.scoped(JobRunner.useSync((runner) => runner.load().queued).pipe(Effect.provide(jobRunnerLayer(store)))),
 * );
 * ```
 */
export class JobRunner extends JobRunnerBase {}

/** A job whose worker runs. */
interface Running {
  worker?: JobWorker;
  liveBytes: number;
  /** Set once the weights arrived: the job is saving them and can no longer be cancelled. */
  finishing?: Promise<void>;
  /** Set once the job was stopped (cancel, close): later messages are ignored. */
  stopped: boolean;
  /** Set when it was cancelled: its checkpoint goes. */
  cancelled?: boolean;
  /** The checkpoint being written, if any: a stop waits for it so the record names it. */
  checkpointing: Promise<void>;
}

/**
 * A runner over `store`.
 * @example
 * ```ts
 * const runner = makeJobRunner(await JobStore.open("./remat-data"));
 * const { record } = await runner.submit(request);
 * ```
 */
export function makeJobRunner(
  store: JobStore,
  options: RunnerOptions = {},
): JobRunnerShape & { readonly store: JobStore } {
  const concurrency = options.concurrency ?? 1, maxQueued = options.maxQueued ?? 16;
  const persistEveryMs = options.persistEveryMs ?? 500;
  const checkpointEvery = options.checkpointEvery ?? 50;
  const maxAttempts = options.maxAttempts ?? 3;
  const workerUrl = options.workerUrl ?? JOB_WORKER_URL;
  const events = new JobEvents();
  const queue: string[] = [];
  const running = new Map<string, Running>();
  /** Running jobs' records as of their last step (the store gets them every persistEveryMs). */
  const live = new Map<string, JobRecord>();
  /** Job ids by idempotency key. */
  const byKey = new Map<string, string>();
  let closed = false, counter = 0, leaked = 0;

  const now = () => new Date().toISOString();
  /** A write nobody waits on: a failure is logged, never an unhandled rejection (flush() still waits). */
  const background = (write: Promise<unknown>, what: string) =>
    void write.catch((e) =>
      console.error(`remat server: could not write ${what}: ${e instanceof Error ? e.message : e}`)
    );
  const current = (id: string) => live.get(id) ?? store.get(id)!;
  /** Saves a record whose state changed, and tells onTransition. */
  const transition = (record: JobRecord) => {
    background(store.save(record), `job ${record.id}`);
    options.onTransition?.(record);
  };

  function newId(): string {
    const t = Date.now().toString(36), r = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
    return `job_${t}${(counter++).toString(36)}${r}`;
  }

  function finish(id: string, patch: Partial<JobRecord>): JobRecord {
    const done: JobRecord = { ...current(id), ...patch, finishedAt: now() };
    live.delete(id);
    transition(done);
    events.emit(id, { type: "final", record: done });
    return done;
  }

  /** Ends a running job: out of `running`, record final, next job started. */
  function end(id: string, patch: Partial<JobRecord>): JobRecord {
    running.delete(id);
    const done = finish(id, patch);
    pump();
    return done;
  }

  async function start(id: string, entry: Running): Promise<void> {
    const before = store.get(id)!;
    const attempts = (before.attempts ?? 0) + 1;
    let record: JobRecord = { ...before, state: "running", startedAt: now(), attempts, error: undefined };
    let resume: Uint8Array | undefined;
    if (before.checkpoint) {
      try {
        resume = await store.readCheckpoint(id, before.checkpoint);
        await store.keepMetricsBefore(id, before.checkpoint.step); // the steps after it run again
        record = { ...record, resumedFrom: before.checkpoint.step, stepsDone: before.checkpoint.step };
      } catch (e) {
        console.error(`remat server: job ${id}: checkpoint unusable, starting over: ${(e as Error).message}`);
        record = { ...record, checkpoint: undefined, resumedFrom: undefined, stepsDone: 0 };
      }
    } else record = { ...record, resumedFrom: undefined, stepsDone: 0 };
    if (!resume && before.stepsDone > 0) await store.keepMetricsBefore(id, 0).catch(() => {});
    if (entry.stopped) return; // cancelled or closed while the checkpoint was read
    live.set(id, record);
    transition(record);
    const pending: StepMetric[] = [];
    let lastWrite = performance.now();
    const persist = () => {
      lastWrite = performance.now();
      background(store.save(record), `job ${id}`);
      if (pending.length) background(store.appendMetrics(id, pending.splice(0)), `metrics of job ${id}`);
    };
    const update = (patch: Partial<JobRecord>) => {
      record = { ...record, ...patch };
      live.set(id, record);
    };
    entry.worker = startJobWorker(workerUrl, {
      type: "start",
      request: record.request,
      checkpointEvery,
      resume,
    }, {
      device: (m) => (update({ device: m.device }), persist()),
      step: ({ metric, liveBytes }) => {
        if (entry.stopped) return;
        entry.liveBytes = liveBytes;
        pending.push(metric);
        update({
          stepsDone: metric.step + 1,
          lastLoss: metric.loss,
          lastStepMs: metric.ms,
          peakBytes: Math.max(record.peakBytes ?? 0, metric.peakBytes),
        });
        events.emit(id, { type: "step", metric });
        if (performance.now() - lastWrite >= persistEveryMs) persist();
      },
      checkpoint: ({ step, bytes }) => {
        if (entry.stopped) return;
        // metrics first, so a resumed job's metrics file already holds the steps before `step`
        persist();
        entry.checkpointing = entry.checkpointing.then(() => store.saveCheckpoint(id, bytes)).then(
          (file) => {
            if (entry.cancelled) return;
            update({ checkpoint: { step, ...file } });
            if (!entry.stopped) persist(); // a stopped job's final record is written with it
          },
          (e) =>
            console.error(
              `remat server: could not write the checkpoint of job ${id}: ${(e as Error).message}`,
            ),
        );
      },
      done: ({ weights, liveBytes }) => {
        if (entry.stopped) return;
        leaked += liveBytes;
        entry.liveBytes = 0;
        persist();
        entry.finishing = (async () => {
          try {
            const file = await store.saveWeights(id, weights);
            await store.flush();
            await store.removeCheckpoint(id);
            end(id, {
              ...record,
              state: "succeeded",
              hasWeights: true,
              weights: file,
              checkpoint: undefined,
            });
          } catch (e) {
            await store.removeWeights(id).catch(() => {});
            end(id, {
              ...record,
              state: "failed",
              error: { tag: "StorageError", message: `could not store the weights: ${(e as Error).message}` },
            });
          }
        })();
      },
      failed: ({ error, liveBytes }) => {
        if (entry.stopped) return;
        entry.stopped = true;
        leaked += liveBytes;
        persist();
        void store.flush().then(() => store.removeCheckpoint(id)).catch(() => {}).then(() =>
          end(id, { ...record, state: "failed", error, checkpoint: undefined })
        );
      },
    });
  }

  function pump(): void {
    while (!closed && running.size < concurrency && queue.length > 0) {
      const id = queue.shift()!;
      const entry: Running = { liveBytes: 0, stopped: false, checkpointing: Promise.resolve() };
      running.set(id, entry);
      start(id, entry).catch((e) => {
        if (entry.stopped) return;
        entry.stopped = true;
        end(id, { state: "failed", error: { tag: "InternalError", message: (e as Error).message } });
      });
    }
  }

  /** Queues an interrupted job again (attempts permitting); false when it has used them all. */
  function requeue(record: JobRecord): boolean {
    if ((record.attempts ?? 0) >= maxAttempts) {
      const message = `gave up after ${record.attempts} attempts: every one was interrupted`;
      finish(record.id, { state: "failed", error: { tag: "TooManyAttempts", message } });
      return false;
    }
    const queued: JobRecord = { ...record, state: "queued", error: undefined, finishedAt: undefined };
    transition(queued);
    queue.push(record.id);
    return true;
  }

  for (const r of store.list()) {
    if (r.idempotencyKey !== undefined) byKey.set(r.idempotencyKey, r.id);
    if (options.resume !== false && r.state === "interrupted") requeue(r);
  }
  pump();

  return {
    store,
    events,
    async submit(request, submitOptions = {}) {
      const key = submitOptions.idempotencyKey;
      const earlier = key === undefined ? undefined : byKey.get(key);
      if (earlier !== undefined) {
        const record = current(earlier);
        if (JSON.stringify(record.request) !== JSON.stringify(request)) {
          throw new IdempotencyKeyReused(key!, earlier);
        }
        return { record, replayed: true };
      }
      if (closed) throw new QueueFull(queue.length, 1);
      if (queue.length >= maxQueued) throw new QueueFull(queue.length, retryAfter());
      const record: JobRecord = {
        id: newId(),
        state: "queued",
        request,
        createdAt: now(),
        stepsDone: 0,
        hasWeights: false,
        attempts: 0,
        ...(key === undefined ? {} : { idempotencyKey: key }),
      };
      // taken before the first await: the bound holds however many submissions race
      queue.push(record.id);
      if (key !== undefined) byKey.set(key, record.id);
      try {
        await store.save(record);
      } catch (e) {
        const at = queue.indexOf(record.id);
        if (at >= 0) queue.splice(at, 1);
        if (key !== undefined) byKey.delete(key);
        throw e;
      }
      options.onTransition?.(record);
      pump();
      return { record: current(record.id), replayed: false };
    },
    async cancel(id) {
      const record = live.get(id) ?? store.get(id);
      if (!record) return undefined;
      const at = queue.indexOf(id);
      if (at >= 0) {
        queue.splice(at, 1);
        return finish(id, {
          state: "cancelled",
          error: { tag: "Cancelled", message: "cancelled before it started" },
        });
      }
      const entry = running.get(id);
      if (entry?.finishing) {
        await entry.finishing; // the weights arrived first: the job succeeds and keeps them
      } else if (entry && !entry.stopped) {
        entry.stopped = entry.cancelled = true;
        entry.worker?.terminate();
        entry.liveBytes = 0;
        await entry.checkpointing;
        await store.flush();
        await store.removeCheckpoint(id).catch(() => {});
        return end(id, {
          state: "cancelled",
          error: { tag: "Cancelled", message: "cancelled while running" },
        });
      }
      await store.flush();
      return live.get(id) ?? store.get(id);
    },
    resume(id) {
      const record = store.get(id);
      if (!record || record.state !== "interrupted" || live.has(id)) return undefined;
      requeue({ ...record, attempts: Math.min(record.attempts ?? 0, maxAttempts - 1) });
      pump();
      return current(id);
    },
    findByIdempotencyKey(key) {
      const id = byKey.get(key);
      return id === undefined ? undefined : current(id);
    },
    get: (id) => live.get(id) ?? store.get(id),
    list: () => store.list().map((r) => live.get(r.id) ?? r),
    load: () => ({ queued: queue.length, running: running.size }),
    liveBytes() {
      let total = leaked;
      for (const e of running.values()) total += e.liveBytes;
      return total;
    },
    async close() {
      closed = true;
      await Promise.all([...running.values()].map((e) => e.finishing));
      const stopping = [...running].filter(([, entry]) => !entry.stopped);
      for (const [, entry] of stopping) (entry.stopped = true), entry.worker?.terminate();
      await Promise.all(stopping.map(([, entry]) => entry.checkpointing));
      for (const [id] of stopping) {
        running.delete(id);
        finish(id, {
          state: "interrupted",
          error: {
            tag: "Interrupted",
            message: "the service stopped while the job was running; it resumes from its checkpoint",
          },
        });
      }
      for (const id of queue.splice(0)) {
        finish(id, {
          state: "interrupted",
          error: {
            tag: "Interrupted",
            message: "the service stopped before the job started; it starts when the service does",
          },
        });
      }
      await store.flush();
    },
  };

  function retryAfter(): number {
    // a rough wait: the running jobs' remaining steps at their last step time, at least 1 s
    let ms = 0;
    for (const id of running.keys()) {
      const r = live.get(id);
      if (r?.lastStepMs) ms = Math.max(ms, (r.request.steps - r.stepsDone) * r.lastStepMs);
    }
    return Math.max(1, Math.min(3600, Math.ceil(ms / 1000)));
  }
}

/**
 * A Layer providing a runner over `store`; the runner is closed with the layer's scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { JobRunner, jobRunnerLayer, JobStore } from "@remat/server";
 * const layer = jobRunnerLayer(await JobStore.open("./remat-data"), { concurrency: 1 });
 * const jobs = await Effect.runPromise(Effect.scoped(JobRunner.useSync((r) => r.list()).pipe(Effect.provide(layer))));
 * ```
 */
export function jobRunnerLayer(store: JobStore, options: RunnerOptions = {}): Layer.Layer<JobRunner> {
  return Layer.effect(
    JobRunner,
    Effect.acquireRelease(
      Effect.sync(() => makeJobRunner(store, options)),
      (r) => Effect.promise(() => r.close()),
    ),
  );
}
