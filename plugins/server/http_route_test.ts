import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { methodLabel, routeOf, UNMATCHED_ROUTE } from "./http_route.ts";

test("routeOf names the matched pattern, through sub-apps and middleware, and 'unmatched' otherwise", async () => {
  const app = new Hono();
  const seen: string[] = [];
  app.use("*", async (c, next) => {
    await next();
    seen.push(`${c.res.status} ${routeOf(c)}`);
  });
  app.use("/v1/*", async (_c, next) => await next());
  const v1 = new Hono();
  v1.get("/jobs/:id", (c) => c.text(c.req.param("id")));
  v1.delete("/jobs/:id", (c) => c.text("gone"));
  v1.get("/fails", () => {
    throw new Error("boom");
  });
  app.route("/v1", v1);
  app.get("/healthz", (c) => c.text("ok"));
  app.onError((_e, c) => c.text("error", 500));

  await app.request("/v1/jobs/job_1");
  await app.request("/v1/jobs/job_2?x=1", { method: "DELETE" });
  await app.request("/healthz");
  await app.request("/v1/fails");
  await app.request("/v1/jobs/job_1", { method: "PUT" });
  await app.request("/no/such/path/123");
  assert.deepEqual(seen, [
    "200 /v1/jobs/:id",
    "200 /v1/jobs/:id",
    "200 /healthz",
    "500 /v1/fails",
    `404 ${UNMATCHED_ROUTE}`,
    `404 ${UNMATCHED_ROUTE}`,
  ]);
});

test("methodLabel keeps standard methods and folds the rest into OTHER", () => {
  assert.deepEqual(["GET", "POST", "DELETE", "HEAD", "PROPFIND", "get"].map(methodLabel), [
    "GET",
    "POST",
    "DELETE",
    "HEAD",
    "OTHER",
    "OTHER",
  ]);
});
