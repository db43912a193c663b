/**
 * The training service: a Hono app over a durable job store and a job runner.
 *
 * ```
 * GET  /healthz                    liveness, queue and live buffer bytes
 * GET  /metrics                    Prometheus metrics (text format 0.0.4; see service_metrics.ts)
 * GET  /openapi.json               the OpenAPI document of these routes
 * POST /v1/plans                   model + strategy + budget → plan summary (no training)
 * POST /v1/jobs                    queue a training job → 202 + Location (Idempotency-Key: a retry
 *                                  returns the same job, 200)
 * POST /v1/jobs/:id/resume         queue an interrupted job again, from its checkpoint
 * GET  /v1/jobs                    every job
 * GET  /v1/jobs/:id                state, progress, last loss, step time, peak bytes, error
 * GET  /v1/jobs/:id/events         Server-Sent Events: state, one per step, final
 * GET  /v1/jobs/:id/metrics        every step's metrics
 * DELETE /v1/jobs/:id              cancel
 * GET  /v1/jobs/:id/weights        trained parameters, safetensors
 * ```
 *
 * With `database`, jobs live in PostgreSQL and are trained by cluster workers (this process's
 * `database.workers` and any started with `deno task worker`); weights and checkpoints go to
 * the data directory, shared between hosts (see cluster/).
 *
 * With a token, every `/v1` route and `/metrics` require it; `/healthz` and `/openapi.json`
 * stay open. Every request is logged as one JSON line on stdout, and so is every job
 * transition (`log: false` turns both off). A 413 for a body over `maxBodyBytes` says
 * `Connection: close`: the rest of the body is not read, and the connection is not reused.
 * @module
 */
import process from "node:process";
import path from "node:path";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { accessLog } from "./access_log.ts";
import { bearerAuth } from "./auth.ts";
import { errorResponse } from "./http_errors.ts";
import { jobRoutes } from "./job_routes.ts";
import { type JobRunnerShape, makeJobRunner, type RunnerOptions } from "./job_runner.ts";
import { jobTransitionLog } from "./job_log.ts";
import { JobStore } from "./job_store.ts";
import { type LogSink, logSink } from "./json_log.ts";
import type { JobRecord } from "./job_types.ts";
import { resolveLimits, type ServiceLimits } from "./limits.ts";
import { openApiDocument } from "./openapi.ts";
import { makeClusterRunner } from "./cluster/cluster_runner.ts";
import { JobTable } from "./cluster/job_table.ts";
import { type LeaseWorker, startLeaseWorker } from "./cluster/lease_worker.ts";
import { createSchema } from "./cluster/schema.ts";
import { SharedFiles } from "./cluster/shared_files.ts";
import { connect } from "./cluster/sql.ts";
import { Planner } from "./planner.ts";
import { type ServiceMetrics, serviceMetrics } from "./service_metrics.ts";

/** Options of {@link trainingService}. */
export interface ServiceOptions {
  /** Where job records, metrics and weights are kept; default `./remat-data`. */
  readonly dataDir?: string;
  /** Bearer token every `/v1` route requires; default the `REMAT_TOKEN` environment variable, if set. */
  readonly token?: string;
  /** Request and model limits; defaults in `DEFAULT_LIMITS`. */
  readonly limits?: Partial<ServiceLimits>;
  /** Queue bound, concurrency, backend factory. */
  readonly runner?: RunnerOptions;
  /**
   * Keep jobs in PostgreSQL at `url` instead of the data directory's records, trained by
   * `workers` workers in this process (default 1; 0: only by separate worker processes),
   * each holding a job's lease for `leaseSeconds` (default 15) between writes.
   */
  readonly database?: { readonly url: string; readonly workers?: number; readonly leaseSeconds?: number };
  /**
   * The request and job transition log: `true` (default) writes JSON lines to stdout,
   * `false` writes nothing (tests), a function receives each line's fields.
   */
  readonly log?: boolean | LogSink;
}

/** A running service: the Hono app, its runner and limits, and how to stop it. */
export interface TrainingService {
  /** The Hono app: mount it, or call `app.fetch` / `app.request`. */
  readonly app: Hono;
  /** The job runner behind the routes. */
  readonly runner: JobRunnerShape;
  /** The limits every request is checked against. */
  readonly limits: ServiceLimits;
  /** The `remat_` metrics `GET /metrics` serves. */
  readonly metrics: ServiceMetrics;
  /** Interrupts running jobs (recorded as `interrupted`), writes everything, frees devices. */
  close(): Promise<void>;
}

function envToken(): string | undefined {
  try {
    return process.env.REMAT_TOKEN || undefined;
  } catch {
    return undefined; // no permission to read the environment: no token
  }
}

/**
 * Opens the data directory (jobs that were running when it was last used are marked
 * `interrupted`) and builds the app.
 * @example
 * ```ts
 * const service = await trainingService({ dataDir: "./remat-data" });
 * Deno.serve({ port: 8787 }, service.app.fetch);
 * ```
 */
export async function trainingService(options: ServiceOptions = {}): Promise<TrainingService> {
  const limits = resolveLimits(options.limits ?? {});
  const dataDir = path.resolve(options.dataDir ?? "remat-data");
  const log = logSink(options.log);
  const logTransition = jobTransitionLog(log);
  const onTransition = (record: JobRecord) => {
    logTransition(record);
    options.runner?.onTransition?.(record);
  };
  let endDatabase = async () => {};
  let runner: JobRunnerShape;
  if (options.database) {
    const sql = await connect(options.database.url, { name: "remat-api" });
    endDatabase = () => sql.end({ timeout: 5 });
    await createSchema(sql);
    const table = new JobTable(sql), files = await SharedFiles.open(dataDir);
    const workers: LeaseWorker[] = [];
    for (let i = 0; i < (options.database.workers ?? 1); i++) {
      workers.push(
        await startLeaseWorker({
          table,
          files,
          leaseSeconds: options.database.leaseSeconds,
          checkpointEvery: options.runner?.checkpointEvery,
          maxAttempts: options.runner?.maxAttempts,
          workerUrl: options.runner?.workerUrl,
          log: (fields) => log({ ...fields, msg: `worker: ${fields.msg}` }),
        }),
      );
    }
    runner = await makeClusterRunner({
      table,
      files,
      maxQueued: options.runner?.maxQueued,
      workers,
      onTransition,
    });
  } else {
    runner = makeJobRunner(await JobStore.open(dataDir), { ...options.runner, onTransition });
  }
  const token = options.token ?? envToken();
  const metrics = serviceMetrics(runner);
  const app = new Hono();
  if (options.log !== false) app.use("*", accessLog(log));
  app.use("*", metrics.middleware);

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      return errorResponse(c, err.status as ContentfulStatusCode, "BadRequest", err.message);
    }
    console.error("remat server: unexpected error:", err, (err as Error).stack);
    return errorResponse(
      c,
      500,
      "InternalError",
      "an internal error occurred; the server log has the details",
    );
  });
  app.notFound((c) =>
    errorResponse(
      c,
      404,
      "RouteNotFound",
      `no route ${c.req.method} ${c.req.path}; GET /openapi.json lists the routes`,
    )
  );

  app.get(
    "/healthz",
    (c) => c.json({ ok: true, ...runner.load(), liveBytes: runner.liveBytes(), jobs: runner.list().length }),
  );
  app.get("/openapi.json", (c) => c.json(openApiDocument(limits)));
  if (token) app.use("/metrics", bearerAuth(token));
  app.get("/metrics", metrics.handler);

  if (token) app.use("/v1/*", bearerAuth(token));
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: limits.maxBodyBytes,
      onError: (c) => {
        c.header("Connection", "close"); // the rest of the body stays unread: do not reuse the connection
        return errorResponse(
          c,
          413,
          "LimitExceeded",
          `the request body exceeds the limit maxBodyBytes = ${limits.maxBodyBytes}`,
          {
            limit: "maxBodyBytes",
            max: limits.maxBodyBytes,
          },
        );
      },
    }),
  );
  const planner = new Planner({ timeoutMs: limits.maxPlanMs });
  app.route("/v1", jobRoutes(runner, limits, planner));

  return {
    app,
    runner,
    limits,
    metrics,
    async close() {
      planner.close();
      await runner.close(); // its last transitions are still logged
      metrics.close();
      await endDatabase();
    },
  };
}
