/**
 * The cluster's tables in PostgreSQL, created when missing (every API and worker process runs
 * this at start, serialised by an advisory lock, so any of them may come up first).
 *
 * - `remat_jobs`: one row per job. `record` is the job as the API shows it (a `JobRecord`);
 *   `state` mirrors `record.state` for the queue's queries. `fence` counts the claims: a worker
 *   holds a job as (id, fence) and every write it makes requires the row's fence to still be
 *   its own, so a worker whose lease ran out and was taken over cannot write anything again.
 *   `lease_expires` is when a running job's worker must have been heard from.
 * - `remat_metrics`: one row per step (a resumed job's repeated steps overwrite theirs).
 * - `remat_attempts`: one row per claim — who, when claimed, when last heard from, how it
 *   ended; the cluster check uses it to show that no job ran on two workers at once.
 *
 * A trigger stamps `updated_at` and notifies channel `remat_jobs` with the job's id on every
 * change, which keeps each API process's view of the jobs current.
 * @module
 */
import type { Sql } from "./sql.ts";

/** The advisory lock key that serialises schema creation. */
const SCHEMA_LOCK = 0x72656d61; // "rema"

const DDL = `
CREATE TABLE IF NOT EXISTS remat_jobs (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  state text NOT NULL,
  record jsonb NOT NULL,
  idempotency_key text UNIQUE,
  fence integer NOT NULL DEFAULT 0,
  lease_expires timestamptz,
  cancel_requested boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS remat_jobs_open ON remat_jobs (seq) WHERE state IN ('queued', 'running');
CREATE INDEX IF NOT EXISTS remat_jobs_updated ON remat_jobs (updated_at);
CREATE TABLE IF NOT EXISTS remat_metrics (
  job_id text NOT NULL REFERENCES remat_jobs (id) ON DELETE CASCADE,
  step integer NOT NULL,
  loss double precision NOT NULL,
  ms double precision NOT NULL,
  peak_bytes double precision NOT NULL,
  fence integer NOT NULL,
  PRIMARY KEY (job_id, step)
);
CREATE TABLE IF NOT EXISTS remat_attempts (
  job_id text NOT NULL REFERENCES remat_jobs (id) ON DELETE CASCADE,
  fence integer NOT NULL,
  worker jsonb NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  last_seen_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  outcome text,
  PRIMARY KEY (job_id, fence)
);
CREATE OR REPLACE FUNCTION remat_job_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := clock_timestamp();
  PERFORM pg_notify('remat_jobs', NEW.id);
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER remat_job_changed BEFORE INSERT OR UPDATE ON remat_jobs
  FOR EACH ROW EXECUTE FUNCTION remat_job_changed();
`;

/**
 * Creates the cluster's tables, functions and trigger where missing.
 * @param sql a connection pool to the database
 * @example
 * ```ts
 * await createSchema(sql);
 * ```
 */
export async function createSchema(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK})`;
    await tx.unsafe(DDL);
  });
}
