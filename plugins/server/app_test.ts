import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { storedFileOf } from "./job_store.ts";
import type { JobRecord, StepMetric } from "./job_types.ts";
import { encodeSafetensors } from "./safetensors.ts";
import { jsonRequest, readSse, tempService, tinyJob } from "./test_support.ts";

type Service = Awaited<ReturnType<typeof tempService>>;
const body = async (res: Response) =>
  await res.json() as { error: Record<string, unknown> } & Record<string, unknown>;

describe("trainingService routes and errors", () => {
  let s: Service;
  before(async () => {
    s = await tempService({ limits: { maxBodyBytes: 4096, maxStages: 40 } });
  });
  after(() => s.done());

  test("GET /healthz reports an idle service", async () => {
    const res = await s.app.request("/healthz");
    assert.equal(res.status, 200);
    const h = await body(res);
    assert.equal(h.ok, true);
    assert.equal(h.running, 0);
    assert.equal(h.liveBytes, 0);
  });

  test("GET /openapi.json documents every route with the generated request schemas", async () => {
    const doc = await body(await s.app.request("/openapi.json"));
    const paths = Object.keys(doc.paths as object);
    for (
      const p of [
        "/healthz",
        "/v1/plans",
        "/v1/jobs",
        "/v1/jobs/{id}",
        "/v1/jobs/{id}/events",
        "/v1/jobs/{id}/weights",
      ]
    ) {
      assert.ok(paths.includes(p), `missing ${p}`);
    }
    const schemas = (doc.components as { schemas: Record<string, { properties?: object }> }).schemas;
    assert.ok(schemas.JobRequest, "JobRequest schema");
    assert.match(JSON.stringify(schemas.JobRequest), /strategy/);
  });

  test("POST /v1/plans returns the plan summary without training", async () => {
    const res = await s.app.request(
      "/v1/plans",
      jsonRequest("POST", { model: { kind: "mlp", depth: 16 }, strategy: { name: "sqrt" }, batch: 32 }),
    );
    assert.equal(res.status, 200);
    const p = await body(res);
    assert.match(String(p.strategy), /^sqrt/);
    assert.equal((p.forwardsPerStage as number[]).length, p.stages);
    assert.ok((p.predictedPeakBytes as number) > 0);
    assert.ok((p.overhead as number) > 0, "sqrt recomputes, so its overhead is positive");
    assert.equal(s.runner.list().length, 0, "planning queues nothing");
  });

  test("POST /v1/plans with an infeasible budget is a 422 naming the smallest feasible budget", async () => {
    const res = await s.app.request(
      "/v1/plans",
      jsonRequest("POST", { model: { kind: "mlp" }, strategy: { name: "optimal", bytes: 1000 } }),
    );
    assert.equal(res.status, 422);
    const e = (await body(res)).error;
    assert.equal(e.tag, "BudgetInfeasible");
    assert.equal(e.requestedBytes, 1000);
    assert.ok((e.smallestFeasibleBytes as number) > 1000);
    assert.match(String(e.message), new RegExp(String(e.smallestFeasibleBytes)));
  });

  test("a body with several bad fields is one 400 listing each of them with its path", async () => {
    const res = await s.app.request(
      "/v1/jobs",
      jsonRequest("POST", { model: { kind: "mlp", depth: -3, width: 2.5 }, steps: "many", colour: "blue" }),
    );
    assert.equal(res.status, 400);
    const e = (await body(res)).error;
    assert.equal(e.tag, "InvalidRequest");
    const paths = (e.issues as Array<{ path: string }>).map((i) => i.path);
    for (const p of ["model.depth", "model.width", "steps"]) {
      assert.ok(paths.some((q) => q === p), `${p} in ${paths}`);
    }
    assert.ok(paths.length >= 4, `the unknown key is reported too: ${paths}`);
    assert.equal(e.issuesTotal, paths.length);
    assert.equal(e.issuesOmitted, 0);
    assert.doesNotMatch(String(e.message), /more$/);
  });

  test("cross-field mistakes are 400s too (gpt on spirals)", async () => {
    const res = await s.app.request(
      "/v1/jobs",
      jsonRequest("POST", { model: { kind: "gpt" }, data: { kind: "spirals" } }),
    );
    assert.equal(res.status, 400);
    assert.match(JSON.stringify((await body(res)).error.issues), /text/);
  });

  test("malformed JSON is a 400 that says so", async () => {
    const res = await s.app.request("/v1/jobs", jsonRequest("POST", "{ not json"));
    assert.equal(res.status, 400);
    assert.match(String((await body(res)).error.message), /JSON/);
  });

  test("a body that is not declared as JSON is a 415", async () => {
    const res = await s.app.request("/v1/jobs", { method: "POST", body: JSON.stringify(tinyJob()) });
    assert.equal(res.status, 415);
    assert.match(String((await body(res)).error.message), /application\/json/);
  });

  test("an oversize body is a 413 naming maxBodyBytes", async () => {
    const res = await s.app.request("/v1/jobs", jsonRequest("POST", { ...tinyJob(), pad: "x".repeat(5000) }));
    assert.equal(res.status, 413);
    const e = (await body(res)).error;
    assert.equal(e.limit, "maxBodyBytes");
  });

  test("a model over the stage limit is a 413 naming maxStages", async () => {
    const res = await s.app.request(
      "/v1/jobs",
      jsonRequest("POST", tinyJob({ model: { kind: "mlp", depth: 60, width: 8 } })),
    );
    assert.equal(res.status, 413);
    const e = (await body(res)).error;
    assert.equal(e.limit, "maxStages");
    assert.match(String(e.message), /maxStages/);
  });

  test("unknown jobs are 404 on every job route, unknown routes 404 too", async () => {
    for (
      const [method, url] of [["GET", "/v1/jobs/nope"], ["GET", "/v1/jobs/nope/events"], [
        "GET",
        "/v1/jobs/nope/weights",
      ], ["DELETE", "/v1/jobs/nope"]]
    ) {
      const res = await s.app.request(url!, { method });
      assert.equal(res.status, 404, `${method} ${url}`);
      assert.equal((await body(res)).error.tag, "JobNotFound");
    }
    const res = await s.app.request("/v2/things");
    assert.equal(res.status, 404);
    assert.equal((await body(res)).error.tag, "RouteNotFound");
  });
});

describe("trainingService with REMAT_TOKEN", () => {
  let s: Service;
  before(async () => {
    s = await tempService({ token: "s3cret-token" });
  });
  after(() => s.done());

  test("every /v1 route needs the bearer token; /healthz does not", async () => {
    assert.equal((await s.app.request("/healthz")).status, 200);
    const none = await s.app.request("/v1/jobs");
    assert.equal(none.status, 401);
    assert.match(none.headers.get("WWW-Authenticate") ?? "", /Bearer/);
    assert.equal(
      (await s.app.request("/v1/jobs", { headers: { Authorization: "Bearer wrong" } })).status,
      401,
    );
    assert.equal(
      (await s.app.request("/v1/jobs", { headers: { Authorization: "Bearer s3cret-token-and-more" } }))
        .status,
      401,
    );
    assert.equal(
      (await s.app.request("/v1/jobs", { headers: { Authorization: "Bearer s3cret-token" } })).status,
      200,
    );
    const plan = await s.app.request(
      "/v1/plans",
      jsonRequest("POST", { model: { kind: "mlp" } }, { Authorization: "Bearer s3cret-token" }),
    );
    assert.equal(plan.status, 200);
  });
});

describe("a body of thousands of bad keys", () => {
  let s: Service;
  before(async () => {
    s = await tempService(); // the default maxBodyBytes, 64 KiB
  });
  after(() => s.done());

  test("gets a small 400: 20 issues listed, 5 in the message, and the total count", async () => {
    const bad = Object.fromEntries(Array.from({ length: 5400 }, (_, i) => [`k${i}`, 0]));
    const sent = JSON.stringify({ ...tinyJob(), ...bad });
    assert.ok(sent.length > 50_000 && sent.length < 64 * 1024, `${sent.length} bytes sent`);
    const res = await s.app.request("/v1/jobs", jsonRequest("POST", sent));
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.ok(text.length < 8 * 1024, `a ${text.length}-byte answer to a ${sent.length}-byte body`);
    const e = (JSON.parse(text) as { error: Record<string, any> }).error;
    assert.equal(e.tag, "InvalidRequest");
    assert.equal(e.issuesTotal, 5400);
    assert.equal(e.issuesOmitted, 5380);
    assert.deepEqual(e.issues.map((i: { path: string }) => i.path), Object.keys(bad).slice(0, 20));
    assert.match(e.message, /^the request body is invalid: k0: got an unknown key .*; … and 5395 more$/);
    assert.equal(e.message.match(/unknown key/g).length, 5, "5 issues, then the count of the rest");
    assert.equal(s.runner.list().length, 0);
  });

  test("a huge value is not echoed whole in its issue", async () => {
    const model = { kind: "resnet", pad: "x".repeat(30_000) };
    const res = await s.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ model })));
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.ok(text.length < 2048, `${text.length} bytes`);
    assert.match(text, /model: got \{\\"kind\\":\\"resnet\\",\\"pad\\":\\"xxx+…; expected an object/);
  });
});

describe("stored files the service cannot trust", () => {
  const W = encodeSafetensors([{ name: "w", shape: [4], data: new Float32Array([1, 2, 3, 4]) }]);
  const metric = (step: number): StepMetric => ({ step, loss: 1 / (step + 1), ms: 2, peakBytes: 64 });
  const record = (id: string, over: Partial<JobRecord> = {}): string =>
    JSON.stringify({
      id,
      state: "succeeded",
      request: { steps: 4 }, // not read back here
      createdAt: "2025-01-01T00:00:00.000Z",
      stepsDone: 4,
      hasWeights: true,
      ...over,
    });
  const files: Record<string, string | Uint8Array> = {
    "good.json": record("good", { weights: storedFileOf(W) }),
    "good.safetensors": W,
    "good.metrics.ndjson": `${JSON.stringify(metric(0))}\n%%garbage%%\n${JSON.stringify(metric(2))}\n`,
    "torn.json": record("torn", { weights: storedFileOf(W) }),
    "torn.safetensors": W.subarray(0, W.length - 5),
    "old.json": record("old"), // before records kept `weights`
    "old.safetensors": W,
    "old.metrics.ndjson": `${JSON.stringify(metric(0))}\n`,
    "broken.json": "{ not json",
    "broken.safetensors": W,
    "broken.metrics.ndjson": `${JSON.stringify(metric(0))}\n`,
    "mangled.json": `{"id":"mangled"`,
    "mangled.safetensors": "not safetensors",
    "lost.json": "[]",
  };
  let dir: string;
  let s: Service;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "remat-untrusted-"));
    await fs.mkdir(path.join(dir, "jobs"));
    for (const [name, data] of Object.entries(files)) await fs.writeFile(path.join(dir, "jobs", name), data);
    s = await tempService({}, dir);
  });
  after(async () => {
    await s.done();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** `f`'s result and what it printed with console.warn. */
  async function warned<T>(f: () => T | Promise<T>): Promise<[T, string[]]> {
    const seen: string[] = [], warn = console.warn;
    console.warn = (...args: unknown[]) => void seen.push(args.join(" "));
    try {
      return [await f(), seen];
    } finally {
      console.warn = warn;
    }
  }

  test("metrics: a garbage line is skipped and reported, not a 500", async () => {
    const [res, warnings] = await warned(() => s.app.request("/v1/jobs/good/metrics"));
    assert.equal(res.status, 200);
    const b = await body(res);
    assert.deepEqual(b.metrics, [metric(0), metric(2)]);
    assert.deepEqual((b.skipped as Array<{ line: number }>).map((x) => x.line), [2]);
    assert.match((b.skipped as Array<{ reason: string }>)[0]!.reason, /^not valid JSON/);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /skipped 1 invalid line\(s\) of good\.metrics\.ndjson/);
    const clean = await body(await s.app.request("/v1/jobs/old/metrics"));
    assert.deepEqual(clean, { metrics: [metric(0)] }, "no skipped key when nothing was skipped");
  });

  test("an unreadable record is listed as corrupt, with the reason, instead of vanishing", async () => {
    const ids = (await body(await s.app.request("/v1/jobs"))).jobs as Array<Record<string, any>>;
    const states = Object.fromEntries(ids.map((j) => [j.id, j.state]));
    assert.deepEqual(states, {
      good: "succeeded",
      torn: "succeeded",
      old: "succeeded",
      broken: "corrupt",
      mangled: "corrupt",
      lost: "corrupt",
    });
    const res = await s.app.request("/v1/jobs/broken");
    assert.equal(res.status, 200);
    const j = await body(res);
    assert.equal(j.state, "corrupt");
    assert.equal(j.progress, 0);
    assert.equal(j.error.tag, "CorruptRecord");
    assert.match(String(j.error.message), /broken\.json cannot be read: not valid JSON/);
    assert.deepEqual(j.links, {
      self: "/v1/jobs/broken",
      events: "/v1/jobs/broken/events",
      weights: "/v1/jobs/broken/weights",
    });
    assert.equal(
      ((await body(await s.app.request("/v1/jobs/lost"))).links as { weights: unknown }).weights,
      null,
    );
    const events = await readSse(await s.app.request("/v1/jobs/broken/events"));
    assert.deepEqual(events.map((e) => [e.event, (e.data as { state: string }).state]), [
      ["state", "corrupt"],
      ["final", "corrupt"],
    ]);
    assert.deepEqual((await body(await s.app.request("/v1/jobs/broken/metrics"))).metrics, [metric(0)]);
    const del = await s.app.request("/v1/jobs/broken", { method: "DELETE" });
    assert.equal(del.status, 409);
    assert.equal((await body(del)).error.state, "corrupt");
    assert.equal(await fs.readFile(path.join(dir, "jobs", "broken.json"), "utf8"), "{ not json");
  });

  test("weights that match the record are served with Content-Length, ETag and Repr-Digest", async () => {
    const res = await s.app.request("/v1/jobs/good/weights");
    assert.equal(res.status, 200);
    const { bytes, sha256 } = storedFileOf(W);
    assert.equal(res.headers.get("Content-Length"), String(bytes));
    assert.equal(res.headers.get("ETag"), `"sha256-${sha256}"`);
    const b64 = btoa(String.fromCharCode(...sha256.match(/../g)!.map((h) => parseInt(h, 16))));
    assert.equal(res.headers.get("Repr-Digest"), `sha-256=:${b64}:`);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), W);
  });

  test("a truncated weights file is a 409 WeightsCorrupt with sizes and hashes, never the bytes", async () => {
    const res = await s.app.request("/v1/jobs/torn/weights");
    assert.equal(res.status, 409);
    assert.match(res.headers.get("Content-Type") ?? "", /application\/json/);
    const e = (await body(res)).error;
    assert.equal(e.tag, "WeightsCorrupt");
    assert.deepEqual(e.expected, storedFileOf(W));
    assert.deepEqual(e.actual, storedFileOf(W.subarray(0, W.length - 5)));
    assert.match(
      String(e.message),
      new RegExp(`torn\\.safetensors is corrupt: it has ${W.length - 5} bytes`),
    );
  });

  test("weights without a recorded hash: served as before, or for a corrupt record if they decode", async () => {
    const old = await s.app.request("/v1/jobs/old/weights");
    assert.equal(old.status, 200);
    assert.deepEqual(new Uint8Array(await old.arrayBuffer()), W);
    const broken = await s.app.request("/v1/jobs/broken/weights");
    assert.equal(broken.status, 200);
    assert.equal(broken.headers.get("ETag"), `"sha256-${storedFileOf(W).sha256}"`);
    assert.deepEqual(new Uint8Array(await broken.arrayBuffer()), W);
    const mangled = await s.app.request("/v1/jobs/mangled/weights");
    assert.equal(mangled.status, 409);
    const e = (await body(mangled)).error;
    assert.equal(e.tag, "WeightsCorrupt");
    assert.match(String(e.message), /mangled\.safetensors .* is not a valid safetensors file/);
    const lost = await s.app.request("/v1/jobs/lost/weights");
    assert.equal(lost.status, 409);
    assert.equal((await body(lost)).error.tag, "NoWeights");
  });
});
