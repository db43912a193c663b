/**
 * Job transitions as log lines: `{"ts":...,"level":"info","msg":"job","id":"job_1",
 * "state":"running","stepsDone":0,"steps":100}`, with `error` and `errorTag` when the job
 * failed, was cancelled or interrupted. Failures are logged at level `error`, interruptions at
 * `warn`. The service hands {@link jobTransitionLog} to the runner's `onTransition`.
 * @module
 */
import type { LogFields, LogSink } from "./json_log.ts";
import type { JobRecord } from "./job_types.ts";

/**
 * The log fields of a job that has just changed state.
 * @example
 * ```ts
 * jobTransitionFields(record); // { level: "info", msg: "job", id: "job_1", state: "succeeded", ... }
 * ```
 */
export function jobTransitionFields(record: JobRecord): LogFields {
  const level = record.state === "failed" ? "error" : record.state === "interrupted" ? "warn" : "info";
  return {
    level,
    msg: "job",
    id: record.id,
    state: record.state,
    stepsDone: record.stepsDone,
    steps: record.request?.steps,
    ...(record.error ? { errorTag: record.error.tag, error: record.error.message } : {}),
  };
}

/**
 * A transition listener writing one line per job state change to `log`.
 * @param log where the lines go
 * @example
 * ```ts
 * const runner = makeJobRunner(store, { onTransition: jobTransitionLog(logEvent) });
 * ```
 */
export function jobTransitionLog(log: LogSink): (record: JobRecord) => void {
  return (record) => log(jobTransitionFields(record));
}
