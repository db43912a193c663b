/**
 * The `/v1/plans` and `/v1/jobs` routes. A request is validated, its chain and plan built and
 * checked against the service limits before anything is queued, so an impossible job is a 4xx
 * at submission rather than a failed job later.
 * @module
 */
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { errorResponse } from "./http_errors.ts";
import type { PlanSummaryJson } from "./job_build.ts";
import { IdempotencyKeyReused, type JobRunnerShape, QueueFull } from "./job_runner.ts";
import type { PlanCheck } from "./plan_check.ts";
import { type Planner, PlannerBusy, PlanningTimeout } from "./planner.ts";
import { storedFileOf, WeightsCorrupt } from "./job_store.ts";
import { streamJob } from "./job_stream.ts";
import type { CorruptRecord, JobRecord, PlanRequest, StoredFile } from "./job_types.ts";
import type { LimitExceeded, ServiceLimits } from "./limits.ts";
import { jobRequestStandard, planRequestStandard } from "./request_schema.ts";
import { requireJson, validBody } from "./request_validation.ts";
import { decodeSafetensors } from "./safetensors.ts";

/**
 * Checks a request off the request loop (the planner's worker, under its time cap): the
 * response refusing it, or undefined when it is accepted (with its model and plan summary).
 */
async function admit(
  c: Context,
  planner: Planner,
  req: PlanRequest,
  limits: ServiceLimits,
): Promise<{ refused: Response } | { model: string; summary: PlanSummaryJson }> {
  let check: PlanCheck;
  try {
    check = await planner.check(req, limits);
  } catch (e) {
    if (e instanceof PlanningTimeout) {
      return { refused: errorResponse(c, 422, e._tag, e.message, { limit: "maxPlanMs", max: e.limitMs }) };
    }
    if (e instanceof PlannerBusy) {
      c.header("Retry-After", "1");
      return { refused: errorResponse(c, 503, e._tag, e.message, { waiting: e.waiting }) };
    }
    throw e;
  }
  if (check.kind === "limit") return { refused: limitResponse(c, check.over) };
  if (check.kind === "refused") {
    return { refused: errorResponse(c, 422, check.tag, check.message, check.details) };
  }
  return check;
}

function limitResponse(c: Context, over: LimitExceeded): Response {
  return errorResponse(c, 413, "LimitExceeded", over.message, {
    limit: over.limit,
    value: over.value,
    max: over.max,
  });
}

/**
 * The public view of a job: its record, a progress fraction (0 for a corrupt record, whose request
 * is lost) and its links.
 * @param record a job's record, or its corrupt record
 * @example
 * ```ts
 * app.get("/jobs/:id", (c) => c.json(jobView(runner.get(c.req.param("id"))!)));
 * ```
 */
export function jobView(record: JobRecord | CorruptRecord): Record<string, unknown> {
  const base = `/v1/jobs/${record.id}`;
  const steps = "request" in record ? record.request.steps : 0;
  return {
    ...record,
    progress: steps > 0 ? record.stepsDone / steps : 0,
    links: { self: base, events: `${base}/events`, weights: record.hasWeights ? `${base}/weights` : null },
  };
}

/** Oldest first: by `createdAt`, then id. */
function byCreation(a: JobRecord | CorruptRecord, b: JobRecord | CorruptRecord): number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id);
}

/** `sha-256=:<base64>:` of a hex SHA-256, as `Repr-Digest` (RFC 9530) writes it. */
function reprDigest(sha256Hex: string): string {
  const raw = sha256Hex.match(/../g)!.map((h) => String.fromCharCode(parseInt(h, 16))).join("");
  return `sha-256=:${btoa(raw)}:`;
}

/**
 * Routes of plans and jobs, to be mounted under `/v1`.
 * @param runner the job runner
 * @param limits the service limits
 * @param planner checks plan and job requests off the request loop
 * @example
 * ```ts
 * app.route("/v1", jobRoutes(runner, DEFAULT_LIMITS, new Planner({ timeoutMs: DEFAULT_LIMITS.maxPlanMs })));
 * ```
 */
export function jobRoutes(runner: JobRunnerShape, limits: ServiceLimits, planner: Planner): Hono {
  const app = new Hono();
  const unknownJob = (c: Context, id: string) =>
    errorResponse(c, 404, "JobNotFound", `no job with id "${id}"; GET /v1/jobs lists the jobs`);
  /** A job's record, or its corrupt record (whose request is lost; the runner never sees it). */
  const find = (id: string): JobRecord | CorruptRecord | undefined =>
    runner.get(id) ?? runner.store.getCorrupt(id);

  app.post("/plans", requireJson, validBody(planRequestStandard), async (c) => {
    const admitted = await admit(c, planner, c.req.valid("json"), limits);
    if ("refused" in admitted) return admitted.refused;
    return c.json({ model: admitted.model, ...admitted.summary });
  });

  app.post("/jobs", requireJson, validBody(jobRequestStandard), async (c) => {
    const req = c.req.valid("json");
    const key = c.req.header("Idempotency-Key");
    if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      return errorResponse(
        c,
        400,
        "InvalidRequest",
        `Idempotency-Key: got ${JSON.stringify(key.slice(0, 64))}; expected 1-255 visible ASCII characters`,
      );
    }
    const earlier = key === undefined ? undefined : runner.findByIdempotencyKey(key);
    if (earlier === undefined) { // a retry is answered from the record, without planning again
      const admitted = await admit(c, planner, req, limits);
      if ("refused" in admitted) return admitted.refused;
    }
    try {
      const { record, replayed } = await runner.submit(req, key === undefined ? {} : { idempotencyKey: key });
      c.header("Location", `/v1/jobs/${record.id}`);
      if (replayed) c.header("Idempotent-Replayed", "true");
      return c.json(jobView(record), replayed ? 200 : 202);
    } catch (e) {
      if (e instanceof IdempotencyKeyReused) {
        return errorResponse(c, 422, e._tag, e.message, { jobId: e.jobId });
      }
      if (!(e instanceof QueueFull)) throw e;
      c.header("Retry-After", String(e.retryAfterSeconds));
      return errorResponse(c, 429, e._tag, e.message, {
        queued: e.queued,
        retryAfterSeconds: e.retryAfterSeconds,
      });
    }
  });

  app.post("/jobs/:id/resume", (c) => {
    const id = c.req.param("id");
    const before = find(id);
    if (!before) return unknownJob(c, id);
    const resumed = before.state === "interrupted" ? runner.resume(id) : undefined;
    if (!resumed) {
      return errorResponse(
        c,
        409,
        "NotInterrupted",
        `job "${id}" is ${before.state}; only an interrupted job can be resumed`,
        { state: before.state },
      );
    }
    return c.json(jobView(resumed), 202);
  });

  app.get("/jobs", (c) => {
    const all = [...runner.list(), ...runner.store.corrupt].sort(byCreation);
    return c.json({ jobs: all.map(jobView) });
  });

  app.get("/jobs/:id", (c) => {
    const record = find(c.req.param("id"));
    return record ? c.json(jobView(record)) : unknownJob(c, c.req.param("id"));
  });

  app.get("/jobs/:id/events", (c) => {
    const id = c.req.param("id");
    if (runner.get(id)) return streamJob(c, runner, id);
    const corrupt = runner.store.getCorrupt(id);
    if (!corrupt) return unknownJob(c, id);
    // A corrupt record is final: its state, then the final event, as for any finished job.
    return streamSSE(c, async (stream) => {
      for (const event of ["state", "final"]) await stream.writeSSE({ event, data: JSON.stringify(corrupt) });
    });
  });

  app.get("/jobs/:id/metrics", async (c) => {
    const id = c.req.param("id");
    if (!find(id)) return unknownJob(c, id);
    const { metrics, skipped } = await runner.store.readMetrics(id);
    return c.json(skipped.length > 0 ? { metrics, skipped } : { metrics });
  });

  app.delete("/jobs/:id", async (c) => {
    const id = c.req.param("id");
    const before = find(id);
    if (!before) return unknownJob(c, id);
    if (before.state !== "queued" && before.state !== "running") {
      return errorResponse(
        c,
        409,
        "JobFinished",
        `job "${id}" is already ${before.state}; only queued or running jobs can be cancelled`,
        {
          state: before.state,
        },
      );
    }
    const after = (await runner.cancel(id))!;
    if (after.state !== "cancelled") {
      // it finished while the cancel was on its way: its result (weights included) stands
      return errorResponse(
        c,
        409,
        "JobFinished",
        `job "${id}" finished (${after.state}) before the cancel took effect; ${
          after.hasWeights ? "its weights are kept" : "nothing was cancelled"
        }`,
        { state: after.state, hasWeights: after.hasWeights },
      );
    }
    return c.json(jobView(after));
  });

  // A weights file that no longer matches its record's size and SHA-256 (or, for a corrupt record,
  // which has none, that does not decode as safetensors) is a 409 WeightsCorrupt, never served.
  app.get("/jobs/:id/weights", async (c) => {
    const id = c.req.param("id");
    const record = find(id);
    if (!record) return unknownJob(c, id);
    const expected = record.state === "corrupt" ? undefined : record.weights;
    let bytes: Uint8Array | undefined;
    try {
      bytes = record.hasWeights ? await runner.store.readWeights(id, expected) : undefined;
    } catch (e) {
      if (!(e instanceof WeightsCorrupt)) throw e;
      return errorResponse(c, 409, e._tag, e.message, {
        file: e.file,
        expected: e.expected,
        actual: e.actual,
      });
    }
    if (bytes && record.state === "corrupt") {
      try {
        decodeSafetensors(bytes);
      } catch (e) {
        const message = `the weights file ${id}.safetensors of job "${id}" (whose record is corrupt) ` +
          `is not a valid safetensors file: ${e instanceof Error ? e.message : e}`;
        return errorResponse(c, 409, "WeightsCorrupt", message, { file: `${id}.safetensors` });
      }
    }
    if (!bytes) {
      return errorResponse(
        c,
        409,
        "NoWeights",
        `job "${id}" is ${record.state} and has no weights; they exist once it has succeeded`,
        {
          state: record.state,
        },
      );
    }
    const stored: StoredFile = expected ?? storedFileOf(bytes); // verified equal to `bytes` above
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename="${id}.safetensors"`,
      "Content-Length": String(stored.bytes),
      "ETag": `"sha256-${stored.sha256}"`,
      "Repr-Digest": reprDigest(stored.sha256),
    });
  });

  return app;
}
