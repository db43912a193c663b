import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { jsonRequest, tempService, tinyJob } from "./test_support.ts";

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
