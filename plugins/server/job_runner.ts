/**
 * The job runner: a bounded queue of training jobs, a concurrency limit, and one Effect fiber
 * per running job. A job's record lives in the {@link JobStore} (written atomically, so a
 * restart loses nothing); its steps are appended to its metrics file and announced on
 * {@link JobEvents}; cancelling interrupts its fiber, which releases every buffer it held.
 * @module
 */
import type { Backend } from "@remat/core";
import { createBackend } from "@remat/webgpu";
import { Cause, Context, Effect, Exit, Fiber, Layer } from "effect";
import { executeJob } from "./job_execution.ts";
import { JobEvents } from "./job_events.ts";
import type { JobStore } from "./job_store.ts";
import { type JobRecord, type JobRequest, type StepMetric } from "./job_types.ts";

/** Options of {@link makeJobRunner}. */
export interface RunnerOptions {
  /** Jobs running at once; default 1 (one job per device: the service drives one device). */
  readonly concurrency?: number;
  /** Jobs waiting beyond the running ones before submissions are refused; default 16. */
  readonly maxQueued?: number;
  /** How often a running job's record and metrics are written, ms; default 500. */
  readonly persistEveryMs?: number;
  /** Makes the backend for a request's `backend` name; default `createBackend` (cached per name). */
  readonly backendFor?: (name: JobRequest["backend"]) => Promise<Backend>;
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

/** What the runner offers the routes. */
export interface JobRunnerShape {
  /** Where records, metrics and weights are written. */
  readonly store: JobStore;
  /** Where each job's state changes and steps are announced. */
  readonly events: JobEvents;
  /** Queues a job; fails with QueueFull when the queue is at its bound. */
  submit(request: JobRequest): Promise<JobRecord>;
  /** Cancels a queued or running job; resolves with its final record (undefined: no such job). */
  cancel(id: string): Promise<JobRecord | undefined>;
  /** The current record. */
  get(id: string): JobRecord | undefined;
  /** Every record, oldest first. */
  list(): JobRecord[];
  /** Queued and running counts. */
  load(): { readonly queued: number; readonly running: number };
  /** Live bytes held by every backend the runner made (0 when no job runs). */
  liveBytes(): number;
  /** Interrupts running jobs (marked `interrupted`), writes everything, disposes backends. */
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

/**
 * A runner over `store`.
 * @example
 * ```ts
 * const runner = makeJobRunner(await JobStore.open("./remat-data"));
 * const job = await runner.submit(request);
 * ```
 */
export function makeJobRunner(store: JobStore, options: RunnerOptions = {}): JobRunnerShape {
  const concurrency = options.concurrency ?? 1, maxQueued = options.maxQueued ?? 16;
  const persistEveryMs = options.persistEveryMs ?? 500;
  const events = new JobEvents();
  const backends = new Map<string, Promise<Backend>>();
  const seen = new Set<Backend>(); // every backend a job ran on, for liveBytes
  const backendFor = async (name: JobRequest["backend"]): Promise<Backend> => {
    const b = await (options.backendFor ?? ownBackend)(name);
    seen.add(b);
    return b;
  };
  /** The default: one backend per name, made on first use and disposed by close(). */
  const ownBackend = (name: string): Promise<Backend> => {
    let b = backends.get(name);
    if (!b) {
      backends.set(name, b = createBackend(name));
      b.catch(() => backends.delete(name)); // a failed creation is retried by a later job
    }
    return b;
  };
  const queue: string[] = [];
  const running = new Map<string, { fiber: Fiber.Fiber<void>; cancelled: boolean }>();
  /** Running jobs' records as of their last step (the store gets them every persistEveryMs). */
  const live = new Map<string, JobRecord>();
  let closed = false, counter = 0;

  const now = () => new Date().toISOString();
  const save = (r: JobRecord) => store.save(r);
  /** A write nobody waits on: a failure is logged, never an unhandled rejection (flush() still waits). */
  const background = (write: Promise<void>, what: string) =>
    void write.catch((e) =>
      console.error(`remat server: could not write ${what}: ${e instanceof Error ? e.message : e}`)
    );

  function newId(): string {
    const t = Date.now().toString(36), r = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
    return `job_${t}${(counter++).toString(36)}${r}`;
  }

  function finish(id: string, patch: Partial<JobRecord>): JobRecord {
    const done = { ...(live.get(id) ?? store.get(id)!), ...patch, finishedAt: now() };
    background(save(done), `job ${id}`);
    live.delete(id);
    events.emit(id, { type: "final", record: done });
    return done;
  }

  function start(id: string): void {
    const pending: StepMetric[] = [];
    let record = { ...store.get(id)!, state: "running" as const, startedAt: now() };
    let lastWrite = 0;
    const persist = () => {
      lastWrite = performance.now();
      live.set(id, record);
      background(save(record), `job ${id}`);
      if (pending.length) background(store.appendMetrics(id, pending.splice(0)), `metrics of job ${id}`);
    };
    const program = Effect.gen(function* () {
      const backend = yield* Effect.tryPromise({
        try: () => backendFor(record.request.backend),
        catch: (e) => e,
      });
      record = { ...record, device: backend.device };
      persist();
      const weights = yield* executeJob(record.request, backend, {
        onStep(metric) {
          pending.push(metric);
          record = {
            ...record,
            stepsDone: metric.step + 1,
            lastLoss: metric.loss,
            lastStepMs: metric.ms,
            peakBytes: Math.max(record.peakBytes ?? 0, metric.peakBytes),
          };
          live.set(id, record);
          events.emit(id, { type: "step", metric });
          if (performance.now() - lastWrite >= persistEveryMs) persist();
        },
      });
      yield* Effect.promise(() => store.saveWeights(id, weights));
      record = { ...record, hasWeights: true };
    }).pipe(
      Effect.onExit((exit) =>
        Effect.promise(async () => {
          const entry = running.get(id);
          running.delete(id);
          persist();
          await store.flush();
          if (Exit.isSuccess(exit)) finish(id, { ...record, state: "succeeded" });
          else finish(id, { ...record, ...failure(exit.cause, entry?.cancelled ?? false) });
          pump();
        })
      ),
    );
    background(save(record), `job ${id}`);
    running.set(id, { fiber: Effect.runFork(Effect.asVoid(program)) as Fiber.Fiber<void>, cancelled: false });
  }

  function pump(): void {
    while (!closed && running.size < concurrency && queue.length > 0) start(queue.shift()!);
  }

  return {
    store,
    events,
    async submit(request) {
      if (queue.length >= maxQueued) throw new QueueFull(queue.length, retryAfter());
      const record: JobRecord = {
        id: newId(),
        state: "queued",
        request,
        createdAt: now(),
        stepsDone: 0,
        hasWeights: false,
      };
      await save(record);
      queue.push(record.id);
      pump();
      return store.get(record.id)!;
    },
    async cancel(id) {
      const record = store.get(id);
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
      if (entry) {
        entry.cancelled = true;
        await Effect.runPromise(Fiber.interrupt(entry.fiber));
      }
      await store.flush();
      return store.get(id);
    },
    get: (id) => live.get(id) ?? store.get(id),
    list: () => store.list().map((r) => live.get(r.id) ?? r),
    load: () => ({ queued: queue.length, running: running.size }),
    liveBytes() {
      let total = 0;
      for (const b of seen) total += Object.values(b.memory.report().live).reduce((a, v) => a + v, 0);
      return total;
    },
    async close() {
      closed = true;
      await Promise.all([...running.values()].map((e) => Effect.runPromise(Fiber.interrupt(e.fiber))));
      for (const id of queue.splice(0)) {
        finish(id, {
          state: "interrupted",
          error: { tag: "Interrupted", message: "the service stopped before the job started" },
        });
      }
      await store.flush();
      for (const made of await Promise.allSettled(backends.values())) {
        if (made.status === "fulfilled") made.value.dispose();
      }
      backends.clear();
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

/** The record fields of a job that did not succeed. */
function failure(cause: Cause.Cause<unknown>, cancelled: boolean): Partial<JobRecord> {
  if (Cause.hasInterrupts(cause) && !Cause.hasFails(cause) && !Cause.hasDies(cause)) {
    return cancelled
      ? { state: "cancelled", error: { tag: "Cancelled", message: "cancelled while running" } }
      : {
        state: "interrupted",
        error: { tag: "Interrupted", message: "the service stopped while the job was running" },
      };
  }
  const e = Cause.squash(cause) as { _tag?: string; message?: string } | undefined;
  const tag = typeof e?._tag === "string" ? e._tag : "InternalError";
  const message = e instanceof Error || typeof e?.message === "string" ? String(e!.message) : String(e);
  return { state: "failed", error: { tag, message } };
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
