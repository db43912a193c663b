/**
 * Per-job event fan-out for Server-Sent Events: a step event per training step and one final
 * event carrying the finished record. Listeners are plain callbacks; a listener that throws
 * is dropped rather than breaking the job.
 * @module
 */
import type { JobRecord, StepMetric } from "./job_types.ts";

/** What a job announces. */
export type JobEvent =
  | { readonly type: "step"; readonly metric: StepMetric }
  | { readonly type: "final"; readonly record: JobRecord };

/** A subscriber. */
export type JobListener = (event: JobEvent) => void;

/**
 * Listeners by job id.
 * @example
 * ```ts
 * const hub = new JobEvents();
 * const stop = hub.subscribe("job1", (e) => console.log(e.type));
 * hub.emit("job1", { type: "step", metric: { step: 0, loss: 1, ms: 2, peakBytes: 3 } });
 * stop();
 * ```
 */
export class JobEvents {
  readonly #listeners = new Map<string, Set<JobListener>>();

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

  /** Delivers an event to the job's listeners; after a final event they are all removed. */
  emit(id: string, event: JobEvent): void {
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
}
