/**
 * The `/v1/plans` and `/v1/jobs` routes. A request is validated, its chain and plan built and
 * checked against the service limits before anything is queued, so an impossible job is a 4xx
 * at submission rather than a failed job later.
 * @module
 */
import { BudgetInfeasible, type Chain, isRematError } from "@remat/core";
import type { StrategyPlan } from "@remat/strategies";
import { type Context, Hono } from "hono";
import { errorResponse } from "./http_errors.ts";
import { buildChain, buildPlan, modelBytes, planSummaryJson } from "./job_build.ts";
import { type JobRunnerShape, QueueFull } from "./job_runner.ts";
import { streamJob } from "./job_stream.ts";
import type { JobRecord, PlanRequest } from "./job_types.ts";
import { checkLimits, checkRequestLimits, type ServiceLimits } from "./limits.ts";
import { jobRequestStandard, planRequestStandard } from "./request_schema.ts";
import { requireJson, validBody } from "./request_validation.ts";

/** A built request, or the response refusing it. */
type Built = { ok: true; chain: Chain; plan: StrategyPlan } | { ok: false; response: Response };

/** Builds the chain and plan of a request and checks the limits (422 infeasible, 413 over a limit). */
function buildChecked(c: Context, req: PlanRequest, limits: ServiceLimits): Built {
  const early = checkRequestLimits(req, limits); // before building: a depth of 1e9 must not be built
  if (early) return { ok: false, response: limitResponse(c, early) };
  try {
    const chain = buildChain(req);
    const stagesOver = checkLimits(req, chain, 0, limits);
    if (stagesOver) return { ok: false, response: limitResponse(c, stagesOver) };
    const plan = buildPlan(req, chain);
    const over = checkLimits(req, chain, modelBytes(req, chain, plan), limits);
    if (over) return { ok: false, response: limitResponse(c, over) };
    return { ok: true, chain, plan };
  } catch (e) {
    if (e instanceof BudgetInfeasible) {
      return {
        ok: false,
        response: errorResponse(c, 422, e._tag, e.message, {
          requestedBytes: e.requestedBytes,
          smallestFeasibleBytes: e.smallestFeasibleBytes,
        }),
      };
    }
    if (isRematError(e)) return { ok: false, response: errorResponse(c, 422, e._tag, e.message) };
    throw e;
  }
}

function limitResponse(c: Context, over: NonNullable<ReturnType<typeof checkLimits>>): Response {
  return errorResponse(c, 413, "LimitExceeded", over.message, {
    limit: over.limit,
    value: over.value,
    max: over.max,
  });
}

/** The public view of a job: its record, a progress fraction and its links. */
export function jobView(record: JobRecord): Record<string, unknown> {
  const base = `/v1/jobs/${record.id}`;
  return {
    ...record,
    progress: record.request.steps > 0 ? record.stepsDone / record.request.steps : 0,
    links: { self: base, events: `${base}/events`, weights: record.hasWeights ? `${base}/weights` : null },
  };
}

/**
 * Routes of plans and jobs, to be mounted under `/v1`.
 * @param runner the job runner
 * @param limits the service limits
 * @example
 * ```ts
 * app.route("/v1", jobRoutes(runner, DEFAULT_LIMITS));
 * ```
 */
export function jobRoutes(runner: JobRunnerShape, limits: ServiceLimits): Hono {
  const app = new Hono();
  const unknownJob = (c: Context, id: string) =>
    errorResponse(c, 404, "JobNotFound", `no job with id "${id}"; GET /v1/jobs lists the jobs`);

  app.post("/plans", requireJson, validBody(planRequestStandard), (c) => {
    const req = c.req.valid("json");
    const built = buildChecked(c, req, limits);
    if (!built.ok) return built.response;
    return c.json({ model: built.chain.name, ...planSummaryJson(built.plan) });
  });

  app.post("/jobs", requireJson, validBody(jobRequestStandard), async (c) => {
    const req = c.req.valid("json");
    const built = buildChecked(c, req, limits);
    if (!built.ok) return built.response;
    try {
      const record = await runner.submit(req);
      c.header("Location", `/v1/jobs/${record.id}`);
      return c.json(jobView(record), 202);
    } catch (e) {
      if (!(e instanceof QueueFull)) throw e;
      c.header("Retry-After", String(e.retryAfterSeconds));
      return errorResponse(c, 429, e._tag, e.message, {
        queued: e.queued,
        retryAfterSeconds: e.retryAfterSeconds,
      });
    }
  });

  app.get("/jobs", (c) => c.json({ jobs: runner.list().map(jobView) }));

  app.get("/jobs/:id", (c) => {
    const record = runner.get(c.req.param("id"));
    return record ? c.json(jobView(record)) : unknownJob(c, c.req.param("id"));
  });

  app.get("/jobs/:id/events", (c) => {
    const id = c.req.param("id");
    return runner.get(id) ? streamJob(c, runner, id) : unknownJob(c, id);
  });

  app.get("/jobs/:id/metrics", async (c) => {
    const id = c.req.param("id");
    if (!runner.get(id)) return unknownJob(c, id);
    return c.json({ metrics: await runner.store.readMetrics(id) });
  });

  app.delete("/jobs/:id", async (c) => {
    const id = c.req.param("id");
    const before = runner.get(id);
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
    const after = await runner.cancel(id);
    return c.json(jobView(after!));
  });

  app.get("/jobs/:id/weights", async (c) => {
    const id = c.req.param("id");
    const record = runner.get(id);
    if (!record) return unknownJob(c, id);
    const bytes = record.hasWeights ? await runner.store.readWeights(id) : undefined;
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
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename="${id}.safetensors"`,
    });
  });

  return app;
}
