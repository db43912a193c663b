import assert from "node:assert/strict";
import { test } from "node:test";
import { Hono } from "hono";
import { accessLog } from "./access_log.ts";
import type { LogFields } from "./json_log.ts";

test("accessLog writes one line per request: method, route pattern, raw path, status, ms", async () => {
  const lines: LogFields[] = [];
  const app = new Hono();
  app.use("*", accessLog((f) => void lines.push(f)));
  app.use("/v1/*", async (c, next) => {
    if (c.req.header("Authorization") !== "Bearer t") return c.text("no", 401);
    await next();
  });
  app.get("/v1/jobs/:id", (c) => c.json({ id: c.req.param("id") }));
  app.get("/v1/boom", () => {
    throw new Error("boom");
  });
  app.onError((_e, c) => c.text("internal", 500));

  await app.request("/v1/jobs/job_7?verbose=1", { headers: { Authorization: "Bearer t" } });
  await app.request("/v1/jobs/job_8");
  await app.request("/v1/boom", { headers: { Authorization: "Bearer t" } });
  await app.request("/nowhere", { method: "POST" });

  assert.equal(lines.length, 4);
  const [ok, unauthorized, failed, missing] = lines;
  assert.deepEqual(
    { ...ok, ms: undefined },
    {
      level: "info",
      msg: "request",
      method: "GET",
      route: "/v1/jobs/:id",
      path: "/v1/jobs/job_7",
      status: 200,
      ms: undefined,
    },
  );
  assert.equal(typeof ok!.ms, "number");
  assert.ok((ok!.ms as number) >= 0);
  assert.deepEqual([unauthorized!.status, unauthorized!.route], [401, "/v1/jobs/:id"]);
  assert.deepEqual([failed!.status, failed!.level, failed!.route], [500, "error", "/v1/boom"]);
  assert.deepEqual([missing!.status, missing!.route, missing!.path, missing!.method], [
    404,
    "unmatched",
    "/nowhere",
    "POST",
  ]);
});

test("accessLog marks a request whose client went away before the answer", async () => {
  const lines: LogFields[] = [];
  const app = new Hono();
  app.use("*", accessLog((f) => void lines.push(f)));
  app.post("/v1/jobs", (c) => c.text("late", 400));
  const gone = new AbortController();
  gone.abort();
  await app.request(new Request("http://test/v1/jobs", { method: "POST", signal: gone.signal }));
  await app.request("/v1/jobs", { method: "POST" });
  assert.equal(lines[0]!.aborted, true);
  assert.equal("aborted" in lines[1]!, false);
});
