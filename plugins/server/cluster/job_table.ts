/**
 * Jobs in PostgreSQL: submission under the queue bound, the queue (`SELECT … FOR UPDATE SKIP
 * LOCKED`: each waiting or abandoned job goes to exactly one claimer, and claimers never wait
 * on each other), leases with fencing, fenced writes of records and metrics, and cancellation.
 *
 * A claim bumps the job's `fence`; every later write of the worker names (id, fence) and
 * fails with {@link LeaseLost} once the row's fence has moved on — after another worker took
 * the job over from an expired lease, or the API cancelled it. Writes also extend the lease,
 * and a heartbeat extends it between writes.
 * @module
 */
import type { MetricsRead } from "../job_store.ts";
import type { JobRecord, StepMetric, WorkerIdentity } from "../job_types.ts";
import type { Sql } from "./sql.ts";

/** Serialises submissions, so the queue bound holds across API processes. */
const SUBMIT_LOCK = 0x72656d62;

/**
 * A worker's hold on a job: its id and the fence of this claim.
 * @example
 * ```ts
 * const lease: Lease | undefined = await table.claim(me, { leaseSeconds: 15, maxAttempts: 3 });
 * ```
 */
export interface Lease {
  /** The job's id. */
  readonly id: string;
  /** The claim's fence: writes succeed only while the row still has it. */
  readonly fence: number;
  /** The record as claimed (state running, attempts counted, worker named). */
  readonly record: JobRecord;
  /** Seconds a write or heartbeat extends the lease by. */
  readonly leaseSeconds: number;
  /** True when the job's previous worker stopped answering and this claim took it over. */
  readonly takenOver: boolean;
  /** True when a cancel was asked for before the claim. */
  readonly cancelRequested: boolean;
}

/**
 * A worker wrote with a lease that is no longer its own: the job was taken over or cancelled.
 * @example
 * ```ts
 * try { await table.write(lease, record); } catch (e) { if (e instanceof LeaseLost) stopTraining(); }
 * ```
 */
export class LeaseLost extends Error {
  /** Tells this failure apart, as Effect's tagged errors do. */
  readonly _tag = "LeaseLost";
  /** The lease of job `id` with fence `fence` is gone. */
  constructor(readonly id: string, readonly fence: number) {
    super(`job ${id}: lease ${fence} is no longer held (taken over by another worker, or cancelled)`);
  }
}

/** One claim of a job, as `attempts` lists them. */
export interface AttemptRow {
  /** The claim's fence. */
  readonly fence: number;
  /** Who claimed it. */
  readonly worker: WorkerIdentity;
  /** When. */
  readonly claimedAt: Date;
  /** The worker's last fenced write or heartbeat. */
  readonly lastSeenAt: Date;
  /** How it ended: succeeded, failed, cancelled, released, lease expired; null while running. */
  readonly outcome: string | null;
}

/** What `submit` found: the job inserted now, or the one an idempotency key already names. */
export type Submission =
  | { readonly kind: "inserted"; readonly record: JobRecord }
  | { readonly kind: "replayed"; readonly record: JobRecord }
  | { readonly kind: "full"; readonly queued: number };

/** What `requestCancel` did. */
export type CancelOutcome =
  | { readonly kind: "none" }
  | { readonly kind: "final"; readonly record: JobRecord }
  | { readonly kind: "cancelled"; readonly record: JobRecord; readonly previous: JobRecord }
  | { readonly kind: "asked"; readonly record: JobRecord };

type Row = { record: JobRecord };
const nowIso = () => new Date().toISOString();

/**
 * The cluster's job table.
 * @example
 * ```ts
 * const table = new JobTable(await connect(url));
 * const lease = await table.claim(me, { leaseSeconds: 15, maxAttempts: 3 });
 * ```
 */
export class JobTable {
  /** Over a pool whose database has the schema (see `createSchema`). */
  constructor(readonly sql: Sql) {}

  /** Inserts a queued job unless `maxQueued` jobs wait already; an idempotency key already used returns its job. */
  submit(record: JobRecord, maxQueued: number): Promise<Submission> {
    const key = record.idempotencyKey ?? null;
    return this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${SUBMIT_LOCK})`;
      if (key !== null) {
        const [earlier] = await tx<Row[]>`SELECT record FROM remat_jobs WHERE idempotency_key = ${key}`;
        if (earlier) return { kind: "replayed" as const, record: earlier.record };
      }
      const [{ n }] = await tx<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM remat_jobs WHERE state = 'queued'`;
      if (n >= maxQueued) return { kind: "full" as const, queued: n };
      await tx`INSERT INTO remat_jobs (id, state, record, idempotency_key)
        VALUES (${record.id}, ${record.state}, ${tx.json(record as never)}, ${key})`;
      await tx`SELECT pg_notify('remat_queue', ${record.id})`;
      return { kind: "inserted" as const, record };
    });
  }

  /**
   * Claims the oldest queued job, or a running one whose lease expired, for `worker`. A job
   * already started `maxAttempts` times whose lease expired again is failed instead
   * (TooManyAttempts) and the next one is tried.
   */
  async claim(
    worker: WorkerIdentity,
    options: { readonly leaseSeconds: number; readonly maxAttempts: number },
  ): Promise<Lease | undefined> {
    for (;;) {
      const out = await this.sql.begin(async (tx) => {
        const [row] = await tx<{ id: string; record: JobRecord; cancel_requested: boolean }[]>`
          SELECT id, record, cancel_requested FROM remat_jobs
          WHERE state = 'queued' OR (state = 'running' AND lease_expires < now())
          ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED`;
        if (!row) return undefined;
        const before = row.record, takenOver = before.state === "running";
        await tx`UPDATE remat_attempts SET outcome = 'lease expired'
          WHERE job_id = ${row.id} AND outcome IS NULL`;
        if (takenOver && (before.attempts ?? 0) >= options.maxAttempts) {
          const failed: JobRecord = {
            ...before,
            state: "failed",
            finishedAt: nowIso(),
            error: {
              tag: "TooManyAttempts",
              message:
                `gave up after ${before.attempts} attempts: every worker that ran it stopped answering`,
            },
          };
          await tx`UPDATE remat_jobs SET state = 'failed', record = ${tx.json(failed as never)},
            fence = fence + 1, lease_expires = NULL WHERE id = ${row.id}`;
          return "retry" as const;
        }
        const record: JobRecord = {
          ...before,
          state: "running",
          startedAt: nowIso(),
          attempts: (before.attempts ?? 0) + 1,
          worker,
          error: undefined,
          finishedAt: undefined,
        };
        const [{ fence }] = await tx<{ fence: number }[]>`
          UPDATE remat_jobs SET state = 'running', record = ${tx.json(record as never)}, fence = fence + 1,
            lease_expires = now() + make_interval(secs => ${options.leaseSeconds})
          WHERE id = ${row.id} RETURNING fence`;
        await tx`INSERT INTO remat_attempts (job_id, fence, worker)
          VALUES (${row.id}, ${fence}, ${tx.json(worker as never)})`;
        return {
          id: row.id,
          fence,
          record,
          leaseSeconds: options.leaseSeconds,
          takenOver,
          cancelRequested: row.cancel_requested,
        };
      });
      if (out !== "retry") return out;
    }
  }

  /**
   * Writes the record (and step metrics) under the lease, extending it; `final` ends the lease
   * with `record.state` as the attempt's outcome. `dropMetricsFrom` first deletes the job's
   * metrics from that step on (a resumed job runs them again). Resolves with whether a cancel
   * was asked for; throws LeaseLost when the lease is gone (nothing is written then).
   */
  write(
    lease: Lease,
    record: JobRecord,
    metrics: ReadonlyArray<StepMetric> = [],
    options: { readonly final?: boolean; readonly dropMetricsFrom?: number } = {},
  ): Promise<{ cancelRequested: boolean }> {
    const final = options.final ?? false;
    return this.sql.begin(async (tx) => {
      const rows = await tx<{ cancel_requested: boolean }[]>`
        UPDATE remat_jobs SET state = ${record.state}, record = ${tx.json(record as never)},
          lease_expires = CASE WHEN ${final} THEN NULL ELSE now() + make_interval(secs => ${lease.leaseSeconds}) END
        WHERE id = ${lease.id} AND fence = ${lease.fence} AND state = 'running'
        RETURNING cancel_requested`;
      if (rows.length === 0) throw new LeaseLost(lease.id, lease.fence);
      if (options.dropMetricsFrom !== undefined) {
        await tx`DELETE FROM remat_metrics WHERE job_id = ${lease.id} AND step >= ${options.dropMetricsFrom}`;
      }
      if (metrics.length > 0) {
        const values = metrics.map((m) => ({
          job_id: lease.id,
          step: m.step,
          loss: m.loss,
          ms: m.ms,
          peak_bytes: m.peakBytes,
          fence: lease.fence,
        }));
        await tx`INSERT INTO remat_metrics ${
          tx(values, "job_id", "step", "loss", "ms", "peak_bytes", "fence")
        }
          ON CONFLICT (job_id, step) DO UPDATE SET loss = excluded.loss, ms = excluded.ms,
            peak_bytes = excluded.peak_bytes, fence = excluded.fence`;
      }
      await tx`UPDATE remat_attempts SET last_seen_at = clock_timestamp(),
          outcome = CASE WHEN ${final} THEN ${record.state} ELSE outcome END
        WHERE job_id = ${lease.id} AND fence = ${lease.fence}`;
      return { cancelRequested: rows[0]!.cancel_requested };
    });
  }

  /** Extends the lease; resolves with whether a cancel was asked for; LeaseLost when it is gone. */
  heartbeat(lease: Lease): Promise<{ cancelRequested: boolean }> {
    return this.sql.begin(async (tx) => {
      const rows = await tx<{ cancel_requested: boolean }[]>`
        UPDATE remat_jobs SET lease_expires = now() + make_interval(secs => ${lease.leaseSeconds})
        WHERE id = ${lease.id} AND fence = ${lease.fence} AND state = 'running'
        RETURNING cancel_requested`;
      if (rows.length === 0) throw new LeaseLost(lease.id, lease.fence);
      await tx`UPDATE remat_attempts SET last_seen_at = clock_timestamp()
        WHERE job_id = ${lease.id} AND fence = ${lease.fence}`;
      return { cancelRequested: rows[0]!.cancel_requested };
    });
  }

  /** Gives a running job back to the queue (a worker stopping cleanly); its checkpoint stays. */
  async release(lease: Lease, record: JobRecord, metrics: ReadonlyArray<StepMetric> = []): Promise<void> {
    await this.write(lease, { ...record, state: "running" }, metrics);
    await this.sql.begin(async (tx) => {
      const queued: JobRecord = { ...record, state: "queued" };
      const rows = await tx`UPDATE remat_jobs SET state = 'queued', record = ${tx.json(queued as never)},
          lease_expires = NULL, fence = fence + 1
        WHERE id = ${lease.id} AND fence = ${lease.fence} AND state = 'running' RETURNING id`;
      if (rows.length === 0) throw new LeaseLost(lease.id, lease.fence);
      await tx`UPDATE remat_attempts SET outcome = 'released', last_seen_at = clock_timestamp()
        WHERE job_id = ${lease.id} AND fence = ${lease.fence}`;
      await tx`SELECT pg_notify('remat_queue', ${lease.id})`;
    });
  }

  /**
   * Cancels job `id`: a queued job, or a running one whose lease expired, at once (fenced: its
   * old worker can write nothing after); a running one by asking its worker (flag + NOTIFY on
   * `remat_cancel`); a finished one not at all.
   */
  requestCancel(id: string): Promise<CancelOutcome> {
    return this.sql.begin(async (tx): Promise<CancelOutcome> => {
      const [row] = await tx<{ state: string; record: JobRecord; expired: boolean | null }[]>`
        SELECT state, record, lease_expires < now() AS expired FROM remat_jobs WHERE id = ${id} FOR UPDATE`;
      if (!row) return { kind: "none" };
      if (row.state === "queued" || (row.state === "running" && row.expired)) {
        const message = row.state === "queued"
          ? "cancelled before it started"
          : "cancelled while running (its worker had stopped answering)";
        const record: JobRecord = {
          ...row.record,
          state: "cancelled",
          finishedAt: nowIso(),
          error: { tag: "Cancelled", message },
          checkpoint: undefined,
        };
        await tx`UPDATE remat_jobs SET state = 'cancelled', record = ${tx.json(record as never)},
          fence = fence + 1, lease_expires = NULL, cancel_requested = true WHERE id = ${id}`;
        await tx`UPDATE remat_attempts SET outcome = 'lease expired' WHERE job_id = ${id} AND outcome IS NULL`;
        return { kind: "cancelled", record, previous: row.record };
      }
      if (row.state !== "running") return { kind: "final", record: row.record };
      await tx`UPDATE remat_jobs SET cancel_requested = true WHERE id = ${id}`;
      await tx`SELECT pg_notify('remat_cancel', ${id})`;
      return { kind: "asked", record: row.record };
    });
  }

  /** Every job, oldest first. */
  async all(): Promise<JobRecord[]> {
    return (await this.sql<Row[]>`SELECT record FROM remat_jobs ORDER BY seq`).map((r) => r.record);
  }

  /** One job. */
  async get(id: string): Promise<JobRecord | undefined> {
    const [row] = await this.sql<Row[]>`SELECT record FROM remat_jobs WHERE id = ${id}`;
    return row?.record;
  }

  /** Jobs changed at or after `since` (database time), and the database time now. */
  async changedSince(since: Date): Promise<{ records: JobRecord[]; now: Date }> {
    const rows = await this.sql<(Row & { now: Date })[]>`
      SELECT record, clock_timestamp() AS now FROM remat_jobs WHERE updated_at >= ${since} ORDER BY seq`;
    const [{ now }] = rows.length ? rows : await this.sql<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
    return { records: rows.map((r) => r.record), now };
  }

  /** The job's step metrics from `fromStep` on, in step order. */
  async readMetrics(id: string, fromStep = 0): Promise<MetricsRead> {
    const rows = await this.sql<{ step: number; loss: number; ms: number; peak_bytes: number }[]>`
      SELECT step, loss, ms, peak_bytes FROM remat_metrics
      WHERE job_id = ${id} AND step >= ${fromStep} ORDER BY step`;
    return {
      metrics: rows.map((r) => ({ step: r.step, loss: r.loss, ms: r.ms, peakBytes: r.peak_bytes })),
      skipped: [],
    };
  }

  /** The job's claims, in fence order. */
  async attempts(id: string): Promise<AttemptRow[]> {
    const rows = await this.sql<
      {
        fence: number;
        worker: WorkerIdentity;
        claimed_at: Date;
        last_seen_at: Date;
        outcome: string | null;
      }[]
    >`SELECT fence, worker, claimed_at, last_seen_at, outcome FROM remat_attempts WHERE job_id = ${id} ORDER BY fence`;
    return rows.map((r) => ({
      fence: r.fence,
      worker: r.worker,
      claimedAt: r.claimed_at,
      lastSeenAt: r.last_seen_at,
      outcome: r.outcome,
    }));
  }

  /** Calls `onChange(id)` for every job change, and `onListen` on every (re)connection. */
  async listenChanges(onChange: (id: string) => void, onListen?: () => void): Promise<() => Promise<void>> {
    const { unlisten } = await this.sql.listen("remat_jobs", onChange, onListen);
    return unlisten;
  }

  /** Calls `onWork()` when a job is queued and `onCancel(id)` when a running job's cancel is asked for. */
  async listenWork(onWork: () => void, onCancel: (id: string) => void): Promise<() => Promise<void>> {
    const work = await this.sql.listen("remat_queue", () => onWork());
    const cancel = await this.sql.listen("remat_cancel", onCancel);
    return async () => {
      await work.unlisten();
      await cancel.unlisten();
    };
  }
}
