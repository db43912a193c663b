/**
 * Per-job event fan-out for Server-Sent Events: a step event per training step and one final
 * event carrying the finished record. Listeners are plain callbacks, of one job
 * ({@link JobEvents.subscribe}) or of every job ({@link JobEvents.subscribeAll}, e.g. for
 * metrics); a listener that throws is dropped rather than breaking the job.
 * @module
 */
import type { JobRecord, StepMetric } from "./job_types.ts";

/** What a job announces. */
export type JobEvent =
  | { readonly type: "step"; readonly metric: StepMetric }
  | { readonly type: "final"; readonly record: JobRecord };

/** A subscriber. */
export type JobListener = (event: JobEvent) => void;

/** A subscriber to every job's events: the job's id, then the event. */
export type AllJobsListener = (id: string, event: JobEvent) => void;

/**
 * Listeners by job id.
 * @example
 * ```ts
 * const hub = new JobEvents();
 * const stop = hub.subscribe("job1", (e) => console.log(e.type));
 * const stopAll = hub.subscribeAll((id, e) => console.log(id, e.type));
 * hub.emit("job1", { type: "step", metric: { step: 0, loss: 1, ms: 2, peakBytes: 3 } });
 * stop();
 * stopAll();
 * ```
 */
export class JobEvents {
  readonly #listeners = new Map<string, Set<JobListener>>();
  readonly #all = new Set<AllJobsListener>();

  /** Adds a listener for one job; returns the function that removes it. */
  subscribe(id: string, listener: JobListener): () => void {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, set = new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
    };
  }

  /**
   * Adds a listener for every job's events, which stays after final events; returns the
   * function that removes it.
   */
  subscribeAll(listener: AllJobsListener): () => void {
    this.#all.add(listener);
    return () => void this.#all.delete(listener);
  }

  /**
   * Delivers an event to the every-job listeners, then to the job's own; after a final event
   * the job's own listeners are all removed.
   */
  emit(id: string, event: JobEvent): void {
    for (const listener of [...this.#all]) {
      try {
        listener(id, event);
      } catch {
        this.#all.delete(listener);
      }
    }
    const set = this.#listeners.get(id);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch {
        set.delete(listener);
      }
    }
    if (event.type === "final") this.#listeners.delete(id);
  }

  /** Number of listeners of a job (for tests and health). */
  count(id: string): number {
    return this.#listeners.get(id)?.size ?? 0;
  }

  /** Number of every-job listeners. */
  countAll(): number {
    return this.#all.size;
  }
}
