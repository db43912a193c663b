/**
 * `GET /v1/jobs/:id/events`: Server-Sent Events for one job. The current record comes first
 * (event `state`), so a client that connects late knows where the job is; then one `step`
 * event per training step and a `final` event with the finished record, after which the
 * stream ends. A job already finished gets `state` then `final` at once.
 * @module
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { JobEvent } from "./job_events.ts";
import type { JobRunnerShape } from "./job_runner.ts";
import { FINAL_STATES, type JobRecord } from "./job_types.ts";

/**
 * Streams a known job's events to the client.
 * @param c the request context
 * @param runner the runner that owns the job
 * @example
 * ```ts
 * app.get("/v1/jobs/:id/events", (c) => streamJob(c, runner, c.req.param("id")));
 * ```
 */
export function streamJob(c: Context, runner: JobRunnerShape, id: string): Response {
  return streamSSE(c, async (stream) => {
    const pending: JobEvent[] = [];
    let wake: (() => void) | undefined;
    // Subscribe before reading the record, so a final event in between is not missed.
    const unsubscribe = runner.events.subscribe(id, (e) => {
      pending.push(e);
      wake?.();
    });
    stream.onAbort(() => {
      unsubscribe();
      wake?.();
    });
    const send = (event: string, data: unknown, eventId?: string) =>
      stream.writeSSE({
        event,
        data: JSON.stringify(data),
        ...(eventId === undefined ? {} : { id: eventId }),
      });
    try {
      const record = runner.get(id)!;
      await send("state", record);
      if (FINAL_STATES.has(record.state)) return await send("final", record);
      let last: JobRecord | undefined;
      while (!stream.aborted && !last) {
        if (pending.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        for (const e of pending.splice(0)) {
          if (e.type === "step") {
            if (e.metric.step >= record.stepsDone) await send("step", e.metric, String(e.metric.step));
          } else last = e.record;
        }
      }
      if (last) await send("final", last);
    } finally {
      unsubscribe();
    }
  });
}
