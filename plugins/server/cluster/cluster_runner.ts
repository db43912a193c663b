/**
 * The API's job runner when jobs live in PostgreSQL: the same `JobRunnerShape` the routes use
 * for the embedded service, so every route (SSE progress, metrics, weights, cancel, /metrics)
 * works the same whichever host trains the job.
 *
 * The routes read records synchronously, so each API process keeps a view of every job,
 * loaded at start and kept current by the `remat_jobs` notifications (one per change, with
 * the job's id) plus a resynchronisation of recently changed rows every `resyncMs` (and a full
 * one after a reconnection) in case a notification was missed. When a job's `stepsDone`
 * advances, its new metrics are read and announced as step events, then its final record.
 * Submissions and cancels go to the database; weights are read from the shared data directory.
 * @module
 */
import { isDeepStrictEqual } from "node:util";
import type { JobData } from "../job_data.ts";
import { JobEvents } from "../job_events.ts";
import { IdempotencyKeyReused, type JobRunnerShape, QueueFull, type Submitted } from "../job_runner.ts";
import { FINAL_STATES, type JobRecord } from "../job_types.ts";
import type { JobTable } from "./job_table.ts";
import type { LeaseWorker } from "./lease_worker.ts";
import type { SharedFiles } from "./shared_files.ts";

/** Options of {@link makeClusterRunner}. */
export interface ClusterRunnerOptions {
  /** The job table. */
  readonly table: JobTable;
  /** The shared data directory. */
  readonly files: SharedFiles;
  /** Jobs waiting (cluster-wide) before submissions are refused; default 16. */
  readonly maxQueued?: number;
  /** Workers running in this process (`serve --workers N`), stopped with the runner. */
  readonly workers?: ReadonlyArray<LeaseWorker>;
  /** Called with every job transition this process sees. */
  readonly onTransition?: (record: JobRecord) => void;
  /** How often recently changed jobs are read again, ms; default 2000. */
  readonly resyncMs?: number;
  /** How long a cancel waits for a running job's worker to stop it, ms; default 30000. */
  readonly cancelWaitMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A runner over the cluster's database.
 * @example
 * ```ts
 * const runner = await makeClusterRunner({ table, files, maxQueued: 16 });
 * const { record } = await runner.submit(request);
 * ```
 */
export async function makeClusterRunner(options: ClusterRunnerOptions): Promise<JobRunnerShape> {
  const { table, files } = options;
  const maxQueued = options.maxQueued ?? 16, cancelWaitMs = options.cancelWaitMs ?? 30_000;
  const workers = options.workers ?? [];
  const events = new JobEvents();
  const view = new Map<string, JobRecord>();
  /** Per job: the next step to announce. */
  const announced = new Map<string, number>();
  /** Per job: the refresh in progress, so a job's updates are applied in order. */
  const chains = new Map<string, Promise<void>>();
  let closed = false;

  const apply = async (record: JobRecord | undefined) => {
    if (!record) return;
    const id = record.id, old = view.get(id);
    view.set(id, record);
    if (old?.state !== record.state) options.onTransition?.(record);
    const next = announced.get(id) ?? 0;
    if (record.stepsDone < next) announced.set(id, record.stepsDone); // resumed from an earlier checkpoint
    else if (record.stepsDone > next) {
      const { metrics } = await table.readMetrics(id, next);
      let upTo = next;
      for (const m of metrics) {
        if (m.step >= record.stepsDone) break;
        events.emit(id, { type: "step", metric: m });
        upTo = m.step + 1;
      }
      announced.set(id, upTo);
    }
    if (FINAL_STATES.has(record.state) && !(old && FINAL_STATES.has(old.state))) {
      events.emit(id, { type: "final", record });
    }
  };
  const refresh = (id: string, known?: JobRecord): Promise<void> => {
    const run = (chains.get(id) ?? Promise.resolve()).then(async () => {
      if (!closed) await apply(known ?? await table.get(id));
    }).catch((e) => console.error(`remat server: could not refresh job ${id}: ${(e as Error).message}`));
    chains.set(id, run);
    void run.then(() => chains.get(id) === run && chains.delete(id));
    return run;
  };

  for (const r of await table.all()) {
    view.set(r.id, r);
    announced.set(r.id, r.stepsDone);
  }
  let since = new Date();
  const resync = async (all: boolean) => {
    const { records, now } = await table.changedSince(all ? new Date(0) : new Date(since.getTime() - 5_000));
    since = now;
    await Promise.all(records.map((r) => refresh(r.id, r)));
  };
  let first = true;
  const unlisten = await table.listenChanges((id) => void refresh(id), () => {
    if (!first) void resync(true).catch(() => {}); // reconnected: notifications may have been missed
    first = false;
  });
  const timer = setInterval(
    () =>
      void resync(false).catch((e) => console.error(`remat server: resync failed: ${(e as Error).message}`)),
    options.resyncMs ?? 2000,
  );

  const current = (id: string) => view.get(id);
  const data: JobData = {
    dir: files.dir,
    skipped: [],
    corrupt: [],
    getCorrupt: () => undefined,
    readMetrics: (id) => table.readMetrics(id),
    readWeights: (id, expected) => files.readWeights(id, expected),
  };

  function newId(): string {
    const t = Date.now().toString(36), r = crypto.getRandomValues(new Uint32Array(2));
    return `job_${t}${r[0]!.toString(36)}${r[1]!.toString(36)}`;
  }

  function retryAfter(): number {
    let ms = 0;
    for (const r of view.values()) {
      if (r.state === "running" && r.lastStepMs) {
        ms = Math.max(ms, (r.request.steps - r.stepsDone) * r.lastStepMs);
      }
    }
    return Math.max(1, Math.min(3600, Math.ceil(ms / 1000)));
  }

  return {
    store: data,
    events,
    async submit(request, submitOptions = {}): Promise<Submitted> {
      if (closed) throw new QueueFull(0, 1);
      const key = submitOptions.idempotencyKey;
      const record: JobRecord = {
        id: newId(),
        state: "queued",
        request,
        createdAt: new Date().toISOString(),
        stepsDone: 0,
        hasWeights: false,
        attempts: 0,
        ...(key === undefined ? {} : { idempotencyKey: key }),
      };
      const out = await table.submit(record, maxQueued);
      if (out.kind === "full") throw new QueueFull(out.queued, retryAfter());
      if (out.kind === "replayed") {
        // jsonb keeps its own key order: compare values, not texts
        if (!isDeepStrictEqual(out.record.request, JSON.parse(JSON.stringify(request)))) {
          throw new IdempotencyKeyReused(key!, out.record.id);
        }
        if (!view.has(out.record.id)) await refresh(out.record.id, out.record);
        return { record: view.get(out.record.id) ?? out.record, replayed: true };
      }
      if (!view.has(record.id)) {
        view.set(record.id, record);
        announced.set(record.id, 0);
        options.onTransition?.(record);
      }
      return { record: view.get(record.id)!, replayed: false };
    },
    async cancel(id) {
      const deadline = performance.now() + cancelWaitMs;
      for (;;) {
        const out = await table.requestCancel(id);
        if (out.kind === "none") return undefined;
        if (out.kind === "cancelled") {
          await files.removeCheckpoints(id).catch(() => {});
          await refresh(id, out.record);
          return out.record;
        }
        if (out.kind === "final") {
          await refresh(id, out.record);
          return out.record;
        }
        // asked: the job's worker stops it and writes the final record (or its lease runs out)
        if (performance.now() > deadline) return view.get(id) ?? out.record;
        await sleep(200);
        const now = await table.get(id);
        if (now && FINAL_STATES.has(now.state)) {
          await refresh(id, now);
          return now;
        }
      }
    },
    findByIdempotencyKey(key) {
      for (const r of view.values()) if (r.idempotencyKey === key) return r;
      return undefined;
    },
    resume: () => undefined, // cluster jobs are never left interrupted: an expired lease is taken over
    get: current,
    list: () => [...view.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    load() {
      let queued = 0, running = 0;
      for (const r of view.values()) {
        if (r.state === "queued") queued++;
        else if (r.state === "running") running++;
      }
      return { queued, running };
    },
    liveBytes: () => workers.reduce((sum, w) => sum + w.liveBytes(), 0),
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      closed = true;
      clearInterval(timer);
      await unlisten().catch(() => {});
      await Promise.all([...chains.values()]);
    },
  };
}
