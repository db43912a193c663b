/**
 * What the routes read besides records: a job's metrics and weights, and the records that could
 * not be read. The embedded service's {@link JobStore} provides it from its data directory; the
 * cluster's runner from PostgreSQL and the shared data directory.
 * @module
 */
import type { MetricsRead } from "./job_store.ts";
import type { CorruptRecord, StoredFile } from "./job_types.ts";

/**
 * Read access to a service's job data.
 * @example
 * ```ts
 * const data: JobData = runner.store;
 * const { metrics } = await data.readMetrics(id);
 * ```
 */
export interface JobData {
  /** The data directory (weights and checkpoints live under it). */
  readonly dir: string;
  /** Files of the data directory that were left out when it was opened, and why. */
  readonly skipped: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
  /** Records that could not be read, listed so that their ids stay reachable. */
  readonly corrupt: ReadonlyArray<CorruptRecord>;
  /** The unreadable record of `id`, if it is one. */
  getCorrupt(id: string): CorruptRecord | undefined;
  /** A job's step metrics, in step order, and the entries left out. */
  readMetrics(id: string): Promise<MetricsRead>;
  /** A job's trained weights, checked against `expected` (throws WeightsCorrupt); undefined when absent. */
  readWeights(id: string, expected?: StoredFile): Promise<Uint8Array | undefined>;
}
