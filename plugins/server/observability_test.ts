/**
 * The service's metrics and logs, through the app: `GET /metrics` (open without a token,
 * behind it with one), request lines with route patterns, job transitions and step times from
 * a real job, `log: false` writing nothing, and the 413's `Connection: close`.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { LogFields } from "./json_log.ts";
import { jsonRequest, tempService, tinyJob, waitForJob } from "./test_support.ts";

/** The value of the sample line `series` (name and labels as rendered) in `text`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  test("without a token it is open, text format 0.0.4, and counts requests by route pattern", async () => {
    const s = await tempService();
    try {
      await s.app.request("/healthz");
      await s.app.request("/v1/jobs/job_nope");
      await s.app.request("/v1/jobs/job_other");
      await s.app.request("/not/a/route");
      const res = await s.app.request("/metrics");
      assert.equal(res.status, 200);
      assert.match(res.headers.get("Content-Type") ?? "", /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      assert.equal(sample(text, 'remat_http_requests_total{route="/healthz",method="GET",status="200"}'), 1);
      assert.equal(
        sample(text, 'remat_http_requests_total{route="/v1/jobs/:id",method="GET",status="404"}'),
        2,
      );
      assert.equal(sample(text, 'remat_http_requests_total{route="unmatched",method="GET",status="404"}'), 1);
      assert.equal(sample(text, "remat_queue_length"), 0);
      assert.equal(sample(text, "remat_jobs_running"), 0);
      assert.equal(sample(text, "remat_live_buffer_bytes"), 0);
      assert.equal(sample(text, 'remat_jobs{state="succeeded"}'), 0);
      assert.equal(sample(text, "remat_step_seconds_count"), 0);
    } finally {
      await s.done();
    }
  });

  test("with a token it requires the token, like /v1; /healthz stays open", async () => {
    const s = await tempService({ token: "m3trics" });
    try {
      const none = await s.app.request("/metrics");
      assert.equal(none.status, 401);
      assert.match(none.headers.get("WWW-Authenticate") ?? "", /Bearer/);
      assert.equal(
        (await s.app.request("/metrics", { headers: { Authorization: "Bearer nope" } })).status,
        401,
      );
      const ok = await s.app.request("/metrics", { headers: { Authorization: "Bearer m3trics" } });
      assert.equal(ok.status, 200);
      assert.match(
        await ok.text(),
        /^remat_http_requests_total\{route="\/metrics",method="GET",status="401"\} 2$/m,
      );
      assert.equal((await s.app.request("/healthz")).status, 200);
    } finally {
      await s.done();
    }
  });
});

describe("logs", () => {
  test("one line per request, with the route pattern, and one per job transition; steps feed the histogram", async () => {
    const lines: LogFields[] = [];
    const s = await tempService({ log: (f) => void lines.push(f) });
    try {
      const res = await s.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 4 })));
      assert.equal(res.status, 202);
      const { id } = await res.json() as { id: string };
      const job = await waitForJob((url) => s.app.request(url), id);
      assert.equal(job.state, "succeeded", JSON.stringify(job.error));

      const requests = lines.filter((l) => l.msg === "request");
      assert.deepEqual(
        { ...requests[0], ms: undefined },
        {
          level: "info",
          msg: "request",
          method: "POST",
          route: "/v1/jobs",
          path: "/v1/jobs",
          status: 202,
          ms: undefined,
        },
      );
      assert.ok(requests.slice(1).every((l) => l.route === "/v1/jobs/:id" && l.path === `/v1/jobs/${id}`));
      const states = lines.filter((l) => l.msg === "job" && l.id === id).map((l) => l.state);
      assert.equal(states[0], "queued");
      assert.ok(states.includes("running"), `transitions: ${states}`);
      assert.equal(states.at(-1), "succeeded");

      const text = await (await s.app.request("/metrics")).text();
      assert.equal(sample(text, "remat_step_seconds_count"), 4, "one observation per step");
      assert.ok(sample(text, "remat_step_seconds_sum")! > 0);
      assert.equal(sample(text, 'remat_jobs{state="succeeded"}'), 1);
    } finally {
      await s.done();
    }
  });

  test("log: false writes nothing to stdout", async () => {
    const original = console.log;
    let written = 0;
    console.log = () => void written++;
    try {
      const s = await tempService({ log: false });
      await s.app.request("/healthz");
      await s.app.request("/v1/jobs/job_nope");
      await s.done();
    } finally {
      console.log = original;
    }
    assert.equal(written, 0);
  });
});

test("a body over maxBodyBytes is a 413 that says Connection: close", async () => {
  const s = await tempService({ limits: { maxBodyBytes: 256 } });
  try {
    const res = await s.app.request("/v1/jobs", jsonRequest("POST", { ...tinyJob(), pad: "x".repeat(1000) }));
    assert.equal(res.status, 413);
    assert.equal(res.headers.get("Connection"), "close");
    const small = await s.app.request("/v1/jobs", jsonRequest("POST", { model: 1 }));
    assert.equal(small.status, 400);
    assert.equal(small.headers.get("Connection"), null, "other errors keep the connection");
  } finally {
    await s.done();
  }
});
