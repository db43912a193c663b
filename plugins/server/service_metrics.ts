/**
 * The service's Prometheus metrics, served as `GET /metrics` (text format 0.0.4):
 *
 * ```
 * remat_jobs{state="..."}            gauge      jobs on record by state (every state, 0 included)
 * remat_queue_length                 gauge      jobs waiting to run
 * remat_jobs_running                 gauge      jobs running
 * remat_live_buffer_bytes            gauge      bytes live on the runner's backends
 * remat_step_seconds                 histogram  wall time of every training step of every job
 * remat_http_requests_total{route,method,status}  counter  requests answered
 * ```
 *
 * `route` is the matched route's pattern (`/v1/jobs/:id`), `unmatched` for a 404 from no
 * route, and `method` a standard method or `OTHER`, so the number of series stays bounded.
 * The gauges are read from the runner when scraped; the histogram is fed by the runner's step
 * events ({@link JobEvents.subscribeAll}).
 *
 * Access: `trainingService` puts `/metrics` behind the bearer token when one is configured,
 * like every `/v1` route (job counts and traffic are the service's business; Prometheus
 * sends the token with `authorization: { credentials: <token> }` in its scrape config), and
 * leaves it open when there is no token. `/healthz` stays open either way, for liveness probes.
 * @module
 */
import type { Handler, MiddlewareHandler } from "hono";
import { methodLabel, routeOf } from "./http_route.ts";
import type { JobEvents } from "./job_events.ts";
import type { JobRecord } from "./job_types.ts";
import { Counter, Gauge, Histogram, MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";

/** What the metrics read from the runner (a `JobRunnerShape` has all of it). */
export interface MetricsSource {
  /** Every job record (for `remat_jobs`). */
  list(): readonly Pick<JobRecord, "state">[];
  /** Queued and running counts. */
  load(): { readonly queued: number; readonly running: number };
  /** Live buffer bytes. */
  liveBytes(): number;
  /** Where step events are announced. */
  readonly events: JobEvents;
}

/**
 * Upper bounds of `remat_step_seconds`'s buckets, seconds: from a millisecond (tiny models on
 * the CPU) to two minutes (large models).
 * @example
 * ```ts
 * STEP_SECONDS_BUCKETS.at(-1); // 120
 * ```
 */
export const STEP_SECONDS_BUCKETS: readonly number[] = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
];

/** The states a job record can be in; each gets a `remat_jobs` sample, 0 when no job is in it. */
const RECORD_STATES: readonly JobRecord["state"][] = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "interrupted",
];

/** The service's metrics and what feeds them. */
export interface ServiceMetrics {
  /** Every `remat_` metric. */
  readonly registry: MetricsRegistry;
  /** Counts every request into `remat_http_requests_total`; mount it first, on `*`. */
  readonly middleware: MiddlewareHandler;
  /** Answers `GET /metrics`: reads the runner's gauges and renders the registry. */
  readonly handler: Handler;
  /** The exposition text, gauges read from the runner now. */
  render(): string;
  /** Stops listening to the runner's step events. */
  close(): void;
}

/**
 * The `remat_` metrics of a service whose jobs run on `runner`.
 * @param runner the job runner (or anything with its `list`, `load`, `liveBytes` and `events`)
 * @example
 * ```ts
 * const metrics = serviceMetrics(runner);
 * app.use("*", metrics.middleware);
 * app.get("/metrics", metrics.handler);
 * ```
 */
export function serviceMetrics(runner: MetricsSource): ServiceMetrics {
  const registry = new MetricsRegistry();
  const jobs = registry.register(new Gauge("remat_jobs", "Jobs on record, by state.", ["state"]));
  const queued = registry.register(new Gauge("remat_queue_length", "Jobs waiting to run."));
  const running = registry.register(new Gauge("remat_jobs_running", "Jobs running."));
  const live = registry.register(
    new Gauge("remat_live_buffer_bytes", "Bytes of buffers live on the job runner's backends."),
  );
  const steps = registry.register(
    new Histogram("remat_step_seconds", "Wall time of training steps, seconds.", STEP_SECONDS_BUCKETS),
  );
  const requests = registry.register(
    new Counter("remat_http_requests_total", "HTTP requests answered, by route pattern, method and status.", [
      "route",
      "method",
      "status",
    ]),
  );
  const unsubscribe = runner.events.subscribeAll((_id, e) => {
    if (e.type === "step") steps.observe(e.metric.ms / 1000);
  });

  const render = (): string => {
    jobs.reset();
    const byState = new Map<string, number>(RECORD_STATES.map((s) => [s, 0]));
    for (const r of runner.list()) byState.set(r.state, (byState.get(r.state) ?? 0) + 1);
    for (const [state, n] of byState) jobs.set(n, { state });
    const load = runner.load();
    queued.set(load.queued);
    running.set(load.running);
    live.set(runner.liveBytes());
    return registry.render();
  };

  return {
    registry,
    middleware: async (c, next) => {
      await next();
      requests.inc({ route: routeOf(c), method: methodLabel(c.req.method), status: String(c.res.status) });
    },
    handler: (c) => c.body(render(), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE }),
    render,
    close: unsubscribe,
  };
}
