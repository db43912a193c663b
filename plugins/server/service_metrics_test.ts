import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { JobEvents } from "./job_events.ts";
import type { JobRecord } from "./job_types.ts";
import { type MetricsSource, serviceMetrics } from "./service_metrics.ts";

/** A stand-in runner: records in given states, a load and live bytes. */
function fakeRunner(
  states: JobRecord["state"][],
  load = { queued: 2, running: 1 },
  bytes = 4096,
): MetricsSource {
  return {
    list: () => states.map((state) => ({ state })),
    load: () => load,
    liveBytes: () => bytes,
    events: new JobEvents(),
  };
}

/** The value of the sample line `series` (name and labels as rendered) in `text`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test("the gauges are read from the runner at scrape time, every job state included", () => {
  const runner = fakeRunner(["succeeded", "succeeded", "running", "queued", "queued", "failed"]);
  const metrics = serviceMetrics(runner);
  const text = metrics.render();
  assert.equal(sample(text, 'remat_jobs{state="succeeded"}'), 2);
  assert.equal(sample(text, 'remat_jobs{state="queued"}'), 2);
  assert.equal(sample(text, 'remat_jobs{state="cancelled"}'), 0);
  assert.equal(sample(text, 'remat_jobs{state="interrupted"}'), 0);
  assert.equal(sample(text, "remat_queue_length"), 2);
  assert.equal(sample(text, "remat_jobs_running"), 1);
  assert.equal(sample(text, "remat_live_buffer_bytes"), 4096);
  assert.match(text, /^# TYPE remat_jobs gauge$/m);
  assert.match(text, /^# TYPE remat_step_seconds histogram$/m);
  assert.match(text, /^# TYPE remat_http_requests_total counter$/m);
  metrics.close();
});

test("remat_step_seconds counts every job's step events, in seconds, until closed", () => {
  const runner = fakeRunner([]);
  const metrics = serviceMetrics(runner);
  const step = (ms: number) => ({ type: "step" as const, metric: { step: 0, loss: 1, ms, peakBytes: 1 } });
  runner.events.emit("job_a", step(3)); // 0.003 s
  runner.events.emit("job_b", step(40)); // 0.04 s
  runner.events.emit("job_a", { type: "final", record: { id: "job_a" } as JobRecord });
  let text = metrics.render();
  assert.equal(sample(text, 'remat_step_seconds_bucket{le="0.0025"}'), 0);
  assert.equal(sample(text, 'remat_step_seconds_bucket{le="0.005"}'), 1);
  assert.equal(sample(text, 'remat_step_seconds_bucket{le="0.05"}'), 2);
  assert.equal(sample(text, 'remat_step_seconds_bucket{le="+Inf"}'), 2);
  assert.equal(sample(text, "remat_step_seconds_count"), 2);
  assert.ok(Math.abs(sample(text, "remat_step_seconds_sum")! - 0.043) < 1e-12);
  metrics.close();
  assert.equal(runner.events.countAll(), 0);
  runner.events.emit("job_c", step(5));
  text = metrics.render();
  assert.equal(sample(text, "remat_step_seconds_count"), 2);
});

test("remat_http_requests_total is labelled by route pattern, method and status; /metrics serves text 0.0.4", async () => {
  const metrics = serviceMetrics(fakeRunner([]));
  const app = new Hono();
  app.use("*", metrics.middleware);
  app.get("/v1/jobs/:id", (c) => c.json({ id: c.req.param("id") }));
  app.get("/metrics", metrics.handler);
  for (const id of ["a", "b", "c"]) await app.request(`/v1/jobs/${id}`);
  await app.request("/v1/jobs/x", { method: "DELETE" });
  await app.request("/random/path/1");
  await app.request("/random/path/2");
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("Content-Type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.equal(sample(text, 'remat_http_requests_total{route="/v1/jobs/:id",method="GET",status="200"}'), 3);
  assert.equal(sample(text, 'remat_http_requests_total{route="unmatched",method="DELETE",status="404"}'), 1);
  assert.equal(sample(text, 'remat_http_requests_total{route="unmatched",method="GET",status="404"}'), 2);
  assert.doesNotMatch(text, /random|job_|\/v1\/jobs\/a/, "raw paths never become labels");
  metrics.close();
});
