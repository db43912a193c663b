/**
 * The service with `database`: jobs in PostgreSQL, trained by cluster workers, every route
 * the same. Two API processes are simulated by two services on one database.
 * @module
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { storedFileOf } from "../job_store.ts";
import { jsonRequest, readSse, tempService, tinyJob, waitForJob } from "../test_support.ts";
import { freshDatabase, skipWithoutDatabase } from "./test_database.ts";

const skip = skipWithoutDatabase();
const json = async (r: Response) => await r.json() as Record<string, any>;

describe("the service over PostgreSQL", { skip }, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  before(async () => (db = await freshDatabase()));
  after(async () => await db?.drop());

  test("a job trains on a worker; record, SSE, metrics and weights as in the embedded service, same bits", {
    timeout: 120_000,
  }, async () => {
    const cluster = await tempService({ database: { url: db.url, workers: 1, leaseSeconds: 5 } });
    const embedded = await tempService();
    try {
      const res = await cluster.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 6 })));
      assert.equal(res.status, 202);
      const { id } = await json(res);
      const events = await readSse(await cluster.app.request(`/v1/jobs/${id}/events`));
      const done = await waitForJob((u) => cluster.app.request(u), id);
      assert.equal(done.state, "succeeded", JSON.stringify(done.error));
      assert.equal(done.attempts, 1);
      assert.equal(done.worker.pid, process.pid, "the record names its worker");
      assert.equal(events.at(0)?.event, "state");
      assert.equal(events.at(-1)?.event, "final");
      const steps = events.filter((e) => e.event === "step").map((e) => (e.data as { step: number }).step);
      assert.deepEqual(
        steps,
        steps.length ? [...Array(6).keys()].slice(6 - steps.length) : [],
        "steps in order, each once",
      );
      const metrics = await json(await cluster.app.request(`/v1/jobs/${id}/metrics`));
      assert.deepEqual(metrics.metrics.map((m: { step: number }) => m.step), [0, 1, 2, 3, 4, 5]);
      const weights = new Uint8Array(
        await (await cluster.app.request(`/v1/jobs/${id}/weights`)).arrayBuffer(),
      );
      assert.equal(storedFileOf(weights).sha256, done.weights.sha256);

      const local = await json(
        await embedded.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 6 }))),
      );
      await waitForJob((u) => embedded.app.request(u), local.id);
      const localWeights = new Uint8Array(
        await (await embedded.app.request(`/v1/jobs/${local.id}/weights`)).arrayBuffer(),
      );
      assert.deepEqual(weights, localWeights, "the same bits as the embedded service's run");
      const files = await readdir(path.join(cluster.dataDir, "jobs"));
      assert.deepEqual(files.filter((f) => f.includes("checkpoint")), [], "no checkpoint left behind");
    } finally {
      await cluster.done();
      await embedded.done();
    }
  });

  test("an API with no workers queues; another process's worker trains; either API serves it, cancel works", {
    timeout: 120_000,
  }, async () => {
    const api = await tempService({ database: { url: db.url, workers: 0 }, runner: { maxQueued: 100 } });
    try {
      const queued = await json(
        await api.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 4 }))),
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(api.runner.get(queued.id)?.state, "queued", "nobody trains it yet");
      const host = await tempService({ database: { url: db.url, workers: 1 } }, api.dataDir);
      try {
        const done = await waitForJob((u) => api.app.request(u), queued.id);
        assert.equal(done.state, "succeeded");
        const weights = await api.app.request(`/v1/jobs/${queued.id}/weights`);
        assert.equal(weights.status, 200, "served by the API that did not train it");
        // a long job, cancelled through the API without workers
        const long = await json(
          await api.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 100_000 }))),
        );
        for (let i = 0; i < 300 && api.runner.get(long.id)?.stepsDone === 0; i++) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(api.runner.get(long.id)?.state, "running");
        const cancel = await api.app.request(`/v1/jobs/${long.id}`, { method: "DELETE" });
        assert.equal(cancel.status, 200);
        assert.equal((await json(cancel)).state, "cancelled");
        const seen = await waitForJob((u) => host.app.request(u), long.id, 5_000);
        assert.equal(seen.state, "cancelled", "the other API sees it too");
        // cancelling a queued job is immediate
        const waiting = await json(
          await api.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 100_000 }))),
        );
        const next = await json(
          await api.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 3 }))),
        );
        await api.app.request(`/v1/jobs/${next.id}`, { method: "DELETE" });
        assert.equal(api.runner.get(next.id)?.state, "cancelled");
        await api.app.request(`/v1/jobs/${waiting.id}`, { method: "DELETE" });
      } finally {
        await host.done();
      }
    } finally {
      await api.done();
    }
  });

  test(
    "the queue bound is one for all APIs, and an idempotency key works across them",
    { timeout: 60_000 },
    async () => {
      const a = await tempService({ database: { url: db.url, workers: 0 }, runner: { maxQueued: 2 } });
      const b = await tempService(
        { database: { url: db.url, workers: 0 }, runner: { maxQueued: 2 } },
        a.dataDir,
      );
      try {
        await db.sql`UPDATE remat_jobs SET state = 'cancelled' WHERE state = 'queued'`;
        const first = await a.app.request(
          "/v1/jobs",
          jsonRequest("POST", tinyJob(), { "Idempotency-Key": "once" }),
        );
        assert.equal(first.status, 202);
        const replay = await b.app.request(
          "/v1/jobs",
          jsonRequest("POST", tinyJob(), { "Idempotency-Key": "once" }),
        );
        assert.equal(replay.status, 200);
        assert.equal((await json(replay)).id, (await json(first)).id);
        assert.equal((await b.app.request("/v1/jobs", jsonRequest("POST", tinyJob()))).status, 202);
        const full = await a.app.request("/v1/jobs", jsonRequest("POST", tinyJob()));
        assert.equal(full.status, 429, "two wait already, submitted through both APIs");
      } finally {
        await db.sql`UPDATE remat_jobs SET state = 'cancelled' WHERE state = 'queued'`;
        await a.done();
        await b.done();
      }
    },
  );
});
