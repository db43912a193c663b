import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { InvalidArgument } from "@remat/core";
import { JobStore } from "./job_store.ts";
import type { JobRecord, StepMetric } from "./job_types.ts";

/** Runs `f` with a fresh temporary data directory, removed afterwards. */
async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "remat-store-"));
  try {
    await f(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

function job(id: string, over: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    state: "succeeded",
    request: {
      model: { kind: "mlp", depth: 2, width: 4, hidden: 8, classes: 3, inputs: 2 },
      strategy: { name: "sqrt" },
      batch: 4,
      data: { kind: "spirals", noise: 0.1 },
      optimizer: { kind: "adamw", lr: 1e-3, weightDecay: 0 },
      steps: 10,
      seed: 0,
      backend: "cpu",
    },
    createdAt: "2025-01-01T00:00:00.000Z",
    stepsDone: 0,
    hasWeights: false,
    ...over,
  };
}

const metric = (step: number): StepMetric => ({ step, loss: 1 / (step + 1), ms: 2, peakBytes: 64 });
const jobsDir = (dir: string) => path.join(dir, "jobs");

test("JobStore.save makes a record visible to get and list at once, in createdAt then id order", async () => {
  await withDir(async (dir) => {
    const store = await JobStore.open(dir);
    const saved = [
      store.save(job("b", { createdAt: "2025-01-02T00:00:00.000Z" })),
      store.save(job("c")),
      store.save(job("a")),
    ];
    assert.equal(store.get("c")?.id, "c");
    assert.deepEqual(store.list().map((r) => r.id), ["a", "c", "b"]);
    assert.equal(store.get("nope"), undefined);
    await Promise.all(saved);
    assert.deepEqual(
      JSON.parse(await fs.readFile(path.join(jobsDir(dir), "b.json"), "utf8")),
      store.get("b"),
    );
  });
});

test("JobStore.open on the same directory sees every record", async () => {
  await withDir(async (dir) => {
    const store = await JobStore.open(dir);
    for (let i = 0; i < 5; i++) void store.save(job(`job-${i}`, { stepsDone: i, lastLoss: 0.5 }));
    await store.flush();
    const again = await JobStore.open(dir);
    assert.deepEqual(again.list(), store.list());
    assert.deepEqual(again.skipped, []);
  });
});

test("JobStore.open rewrites queued and running records as interrupted, on disk", async () => {
  await withDir(async (dir) => {
    const first = await JobStore.open(dir);
    await first.save(job("q", { state: "queued" }));
    await first.save(job("r", { state: "running", startedAt: "2025-01-01T00:00:01.000Z", stepsDone: 3 }));
    await first.save(job("s", { state: "failed", error: { tag: "NonFiniteLoss", message: "nan" } }));
    const second = await JobStore.open(dir);
    const r = second.get("r")!;
    assert.equal(r.state, "interrupted");
    assert.equal(r.stepsDone, 3);
    assert.ok(r.finishedAt !== undefined && !Number.isNaN(Date.parse(r.finishedAt)));
    assert.deepEqual(r.error, {
      tag: "Interrupted",
      message: "the service stopped while the job was running; submit it again to rerun it",
    });
    assert.match(second.get("q")!.error!.message, /while the job was queued;/);
    assert.deepEqual(second.get("s"), first.get("s"));
    const third = await JobStore.open(dir);
    assert.deepEqual(third.list(), second.list());
  });
});

test("JobStore.save leaves the last of many concurrent saves of one id on disk", async () => {
  await withDir(async (dir) => {
    const store = await JobStore.open(dir);
    const pending: Promise<void>[] = [];
    for (let i = 0; i <= 200; i++) {
      pending.push(store.save(job("hot", { stepsDone: i })));
      if (i % 17 === 0) await new Promise((r) => setTimeout(r, 1)); // let some writes start mid-burst
    }
    await Promise.all(pending);
    const onDisk = JSON.parse(await fs.readFile(path.join(jobsDir(dir), "hot.json"), "utf8"));
    assert.equal(onDisk.stepsDone, 200);
    assert.equal((await JobStore.open(dir)).get("hot")?.stepsDone, 200);
  });
});

test("JobStore.save leaves no temp files behind, and open removes stale ones", async () => {
  await withDir(async (dir) => {
    const store = await JobStore.open(dir);
    await Promise.all([
      store.save(job("a")),
      store.save(job("b")),
      store.saveWeights("a", new Uint8Array(16)),
    ]);
    await fs.writeFile(path.join(jobsDir(dir), "a.json.crashed.tmp"), "{");
    await JobStore.open(dir);
    assert.deepEqual((await fs.readdir(jobsDir(dir))).sort(), ["a.json", "a.safetensors", "b.json"]);
  });
});

test("JobStore.appendMetrics appends in order and readMetrics ignores a torn last line", async () => {
  await withDir(async (dir) => {
    const store = await JobStore.open(dir);
    assert.deepEqual(await store.readMetrics("m"), []);
    void store.appendMetrics("m", [metric(0), metric(1)]);
    void store.appendMetrics("m", []);
    void store.appendMetrics("m", [metric(2)]);
    assert.deepEqual(await store.readMetrics("m"), [metric(0), metric(1), metric(2)]);
    const file = path.join(jobsDir(dir), "m.metrics.ndjson");
    await fs.appendFile(file, `{"step":3,"loss":0.2`); // a crash mid-append
    assert.deepEqual(await store.readMetrics("m"), [metric(0), metric(1), metric(2)]);
    const reopened = await JobStore.open(dir);
    await reopened.appendMetrics("m", [metric(3)]);
    assert.deepEqual(await reopened.readMetrics("m"), [0, 1, 2, 3].map(metric));
  });
});

test("JobStore.readMetrics names a corrupt line in the middle", async () => {
  await withDir(async (dir) => {
    const store = await JobStore.open(dir);
    await fs.writeFile(path.join(jobsDir(dir), "m.metrics.ndjson"), `${JSON.stringify(metric(0))}\nxx\n`);
    await assert.rejects(store.readMetrics("m"), /invalid line 2 of m\.metrics\.ndjson: got "xx"/);
  });
});

test("JobStore.saveWeights round-trips bytes, and readWeights gives undefined when none", async () => {
  await withDir(async (dir) => {
    const store = await JobStore.open(dir);
    assert.equal(await store.readWeights("w"), undefined);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 255);
    void store.saveWeights("w", new Uint8Array(3));
    void store.saveWeights("w", bytes);
    assert.deepEqual(Array.from((await store.readWeights("w"))!), Array.from(bytes));
    assert.deepEqual(Array.from((await (await JobStore.open(dir)).readWeights("w"))!), Array.from(bytes));
  });
});

test("JobStore.open reports unreadable record files in skipped instead of throwing", async () => {
  await withDir(async (dir) => {
    await fs.mkdir(jobsDir(dir), { recursive: true });
    await fs.writeFile(path.join(jobsDir(dir), "broken.json"), "{ not json");
    await fs.writeFile(path.join(jobsDir(dir), "other.json"), JSON.stringify(job("someone-else")));
    await fs.writeFile(path.join(jobsDir(dir), "ok.json"), JSON.stringify(job("ok")));
    const store = await JobStore.open(dir);
    assert.deepEqual(store.list().map((r) => r.id), ["ok"]);
    assert.deepEqual(store.skipped.map((s) => s.file), ["broken.json", "other.json"]);
    assert.match(store.skipped[0]!.reason, /^not valid JSON/);
    assert.match(store.skipped[1]!.reason, /id "someone-else" does not match the file name/);
  });
});

test("JobStore rejects ids that are not 1-64 of [A-Za-z0-9_-]", async () => {
  await withDir(async (dir) => {
    const store = await JobStore.open(dir);
    for (const id of ["../escape", "", "a/b", "x".repeat(65), "a.b"]) {
      await assert.rejects(store.save(job(id)), InvalidArgument);
      await assert.rejects(store.appendMetrics(id, [metric(0)]), /invalid job id/);
      await assert.rejects(store.readMetrics(id), InvalidArgument);
      await assert.rejects(store.saveWeights(id, new Uint8Array(1)), InvalidArgument);
      await assert.rejects(store.readWeights(id), InvalidArgument);
      assert.equal(store.get(id), undefined);
    }
    assert.deepEqual(await fs.readdir(dir), ["jobs"]);
    assert.deepEqual(await fs.readdir(jobsDir(dir)), []);
  });
});
