import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { gpt, mlp } from "@remat/core";
import type { JobStore } from "./job_store.ts";
import { decodeSafetensors } from "./safetensors.ts";
import { jsonRequest, readSse, tempService, tinyJob, waitForJob } from "./test_support.ts";

const json = async (res: Response) => await res.json() as Record<string, any>;

describe("jobs through app.request()", () => {
  test("a job is queued (202 + Location), runs, succeeds, and its weights and metrics are served", async () => {
    const s = await tempService();
    try {
      const res = await s.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 6 })));
      assert.equal(res.status, 202);
      const job = await json(res);
      assert.equal(res.headers.get("Location"), `/v1/jobs/${job.id}`);
      assert.ok(["queued", "running"].includes(job.state));
      const done = await waitForJob((u) => s.app.request(u), job.id);
      assert.equal(done.state, "succeeded", JSON.stringify(done.error));
      assert.equal(done.stepsDone, 6);
      assert.equal(done.progress, 1);
      assert.ok(
        Number.isFinite(done.lastLoss) && (done.peakBytes as number) > 0 && (done.lastStepMs as number) > 0,
      );
      const metrics = (await json(await s.app.request(`/v1/jobs/${job.id}/metrics`))).metrics as Array<
        { step: number }
      >;
      assert.deepEqual(metrics.map((m) => m.step), [0, 1, 2, 3, 4, 5]);
      const w = await s.app.request(`/v1/jobs/${job.id}/weights`);
      assert.equal(w.status, 200);
      const { tensors } = decodeSafetensors(new Uint8Array(await w.arrayBuffer()));
      const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 3, inputs: 2 });
      assert.equal(tensors.length, chain.stages.reduce((a, st) => a + st.params.length, 0));
      assert.equal(s.runner.liveBytes(), 0, "every buffer released after the job");
      const again = await s.app.request(`/v1/jobs/${job.id}`, { method: "DELETE" });
      assert.equal(again.status, 409, "a finished job cannot be cancelled");
    } finally {
      await s.done();
    }
  });

  test("the events stream gives the state first, every step, then the final record", async () => {
    const s = await tempService();
    try {
      const job = await json(await s.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 8 }))));
      const events = await readSse(await s.app.request(`/v1/jobs/${job.id}/events`));
      assert.equal(events[0]!.event, "state");
      const last = events[events.length - 1]!;
      assert.equal(last.event, "final");
      assert.equal((last.data as { state: string }).state, "succeeded");
      const firstState = events[0]!.data as { stepsDone: number };
      const steps = events.filter((e) => e.event === "step").map((e) => (e.data as { step: number }).step);
      assert.deepEqual(
        steps,
        Array.from({ length: 8 - firstState.stepsDone }, (_, i) => firstState.stepsDone + i),
      );
      // a late client gets the finished state and the final event at once
      const late = await readSse(await s.app.request(`/v1/jobs/${job.id}/events`));
      assert.deepEqual(late.map((e) => e.event), ["state", "final"]);
    } finally {
      await s.done();
    }
  });

  test("DELETE cancels a running job: state cancelled, no weights, buffers released", async () => {
    const s = await tempService();
    try {
      const job = await json(
        await s.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 100_000 }))),
      );
      for (let i = 0; i < 500 && s.runner.get(job.id)!.stepsDone < 3; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const res = await s.app.request(`/v1/jobs/${job.id}`, { method: "DELETE" });
      assert.equal(res.status, 200);
      const cancelled = await json(res);
      assert.equal(cancelled.state, "cancelled");
      assert.ok(cancelled.stepsDone >= 3 && cancelled.stepsDone < 100_000);
      assert.equal((await s.app.request(`/v1/jobs/${job.id}/weights`)).status, 409);
      assert.equal(s.runner.liveBytes(), 0);
    } finally {
      await s.done();
    }
  });

  test("over the queue bound a submission is a 429 with Retry-After; a queued job can be cancelled", async () => {
    const s = await tempService({ runner: { concurrency: 1, maxQueued: 1 } });
    try {
      const a = await json(await s.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 100_000 }))));
      const b = await json(await s.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 10 }))));
      assert.equal(b.state, "queued");
      const c = await s.app.request("/v1/jobs", jsonRequest("POST", tinyJob()));
      assert.equal(c.status, 429);
      assert.ok(Number(c.headers.get("Retry-After")) >= 1);
      assert.equal((await json(c)).error.tag, "QueueFull");
      assert.equal(
        (await json(await s.app.request(`/v1/jobs/${b.id}`, { method: "DELETE" }))).state,
        "cancelled",
      );
      assert.equal(
        (await json(await s.app.request(`/v1/jobs/${a.id}`, { method: "DELETE" }))).state,
        "cancelled",
      );
      assert.equal(s.runner.load().running + s.runner.load().queued, 0);
    } finally {
      await s.done();
    }
  });

  test("a job whose loss becomes non-finite fails with NonFiniteLoss instead of training on", async () => {
    const s = await tempService();
    try {
      const job = await json(
        await s.app.request(
          "/v1/jobs",
          jsonRequest("POST", tinyJob({ steps: 50, optimizer: { kind: "sgd", lr: 1e30 } })),
        ),
      );
      const done = await waitForJob((u) => s.app.request(u), job.id);
      assert.equal(done.state, "failed");
      assert.equal(done.error.tag, "NonFiniteLoss");
      assert.match(done.error.message, /non-finite loss/);
      assert.equal(s.runner.liveBytes(), 0);
    } finally {
      await s.done();
    }
  });

  test("a gpt job on the shipped text trains and its weights name every parameter", async () => {
    const s = await tempService();
    try {
      const spec = { kind: "gpt", layers: 1, dModel: 16, heads: 2, seqLen: 8 };
      const job = await json(
        await s.app.request(
          "/v1/jobs",
          jsonRequest("POST", { model: spec, batch: 4, steps: 3, strategy: { name: "sqrt" } }),
        ),
      );
      const done = await waitForJob((u) => s.app.request(u), job.id);
      assert.equal(done.state, "succeeded", JSON.stringify(done.error));
      const { tensors } = decodeSafetensors(
        new Uint8Array(await (await s.app.request(`/v1/jobs/${job.id}/weights`)).arrayBuffer()),
      );
      const names = tensors.map((t) => t.name);
      const chain = gpt({ layers: 1, dModel: 16, heads: 2, seqLen: 8, vocab: 2 });
      for (const st of chain.stages) {
        for (const p of st.params) {
          assert.ok(names.includes(`${st.name}.${p.name}`), `${st.name}.${p.name}`);
        }
      }
    } finally {
      await s.done();
    }
  });
});

describe("restart", () => {
  test("a service recreated with resume off lists every job, running ones interrupted; POST resume queues one again", async () => {
    const first = await tempService();
    const dir = first.dataDir;
    const done = await json(await first.app.request("/v1/jobs", jsonRequest("POST", tinyJob())));
    await waitForJob((u) => first.app.request(u), done.id);
    const long = await json(
      await first.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 100_000 }))),
    );
    for (let i = 0; i < 500 && first.runner.get(long.id)!.state !== "running"; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    // simulate a crash: the record on disk says running, and the process never closes the service
    const store = first.runner.store as JobStore; // the embedded service's store
    await store.save({ ...first.runner.get(long.id)!, state: "running" });
    await store.flush();
    const second = await tempService({ runner: { resume: false } }, dir);
    try {
      const listed = (await json(await second.app.request("/v1/jobs"))).jobs as Array<
        { id: string; state: string }
      >;
      assert.deepEqual(listed.map((j) => j.id).sort(), [done.id, long.id].sort());
      assert.equal(listed.find((j) => j.id === done.id)!.state, "succeeded");
      const interrupted = await json(await second.app.request(`/v1/jobs/${long.id}`));
      assert.equal(interrupted.state, "interrupted");
      assert.match(interrupted.error.message, /stopped/);
      assert.equal(
        (await second.app.request(`/v1/jobs/${done.id}/weights`)).status,
        200,
        "weights survive the restart",
      );
      const again = await second.app.request(`/v1/jobs/${done.id}/resume`, { method: "POST" });
      assert.equal(again.status, 409, "only an interrupted job resumes");
      assert.equal((await json(again)).error.tag, "NotInterrupted");
      const resumed = await second.app.request(`/v1/jobs/${long.id}/resume`, { method: "POST" });
      assert.equal(resumed.status, 202);
      const record = await json(resumed);
      assert.ok(["queued", "running"].includes(record.state), record.state);
      assert.equal(record.error, undefined);
    } finally {
      await first.close();
      await second.done();
      const { rm } = await import("node:fs/promises");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
