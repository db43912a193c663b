import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { IdempotencyKeyReused, makeJobRunner, QueueFull, type RunnerOptions } from "./job_runner.ts";
import { JobStore } from "./job_store.ts";
import type { JobRecord, JobRequest } from "./job_types.ts";

/** A job request with every default filled in; about 10–40 ms per step on this CPU. */
function request(overrides: Partial<JobRequest> = {}): JobRequest {
  return {
    model: { kind: "mlp", depth: 6, width: 64, hidden: 256, classes: 3, inputs: 2 },
    strategy: { name: "sqrt" },
    batch: 64,
    data: { kind: "spirals", noise: 0.05 },
    optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 0 },
    steps: 30,
    seed: 3,
    backend: "cpu",
    ...overrides,
  };
}

async function withRunner<T>(
  options: RunnerOptions,
  body: (r: ReturnType<typeof makeJobRunner>, dir: string) => Promise<T>,
  dir?: string,
): Promise<T> {
  const folder = dir ?? await mkdtemp(path.join(tmpdir(), "remat-runner-"));
  const runner = makeJobRunner(await JobStore.open(folder), options);
  try {
    return await body(runner, folder);
  } finally {
    await runner.close();
    if (!dir) await rm(folder, { recursive: true, force: true });
  }
}

/** Resolves with the job's record once it is final. */
function finalOf(runner: ReturnType<typeof makeJobRunner>, id: string): Promise<JobRecord> {
  const now = runner.get(id)!;
  if (["succeeded", "failed", "cancelled", "interrupted"].includes(now.state)) return Promise.resolve(now);
  return new Promise((resolve) => {
    runner.events.subscribe(id, (e) => {
      if (e.type === "final") resolve(e.record);
    });
  });
}

/** Resolves once the job has done at least `steps` steps. */
function afterSteps(runner: ReturnType<typeof makeJobRunner>, id: string, steps: number): Promise<void> {
  return new Promise((resolve) => {
    const off = runner.events.subscribe(id, (e) => {
      if (e.type === "step" && e.metric.step + 1 >= steps) (off(), resolve());
    });
  });
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

test("a job trains in a worker: the event loop stays free, and a second run gives the same weights", async () => {
  await withRunner({}, async (runner) => {
    let worst = 0, last = performance.now();
    const ticker = setInterval(() => {
      const t = performance.now();
      worst = Math.max(worst, t - last - 5);
      last = t;
    }, 5);
    const { record } = await runner.submit(request());
    const done = await finalOf(runner, record.id);
    clearInterval(ticker);
    assert.equal(done.state, "succeeded", JSON.stringify(done.error));
    assert.equal(done.attempts, 1);
    assert.equal(done.stepsDone, 30);
    assert.ok(worst < 100, `the event loop stalled ${worst.toFixed(0)} ms while the job trained`);
    assert.equal(runner.liveBytes(), 0, "the worker released every buffer");
    const bytes = (await runner.store.readWeights(record.id))!;
    assert.equal(done.weights?.sha256, sha256(bytes));
    const again = (await runner.submit(request())).record;
    assert.equal((await finalOf(runner, again.id)).weights?.sha256, done.weights?.sha256, "deterministic");
  });
});

test("a job stopped past half its steps resumes from its checkpoint after a restart, bit-identical", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "remat-resume-"));
  try {
    const reference = await withRunner({ checkpointEvery: 0 }, async (runner) => {
      const { record } = await runner.submit(request());
      return (await finalOf(runner, record.id)).weights!.sha256;
    });
    const id = await withRunner({ checkpointEvery: 5 }, async (runner) => {
      const { record } = await runner.submit(request());
      await afterSteps(runner, record.id, 18); // past half, with the step-15 checkpoint sent
      return record.id;
    }, dir); // close() stops the job: interrupted, its checkpoint kept
    const stopped = (await JobStore.open(dir)).get(id)!;
    assert.equal(stopped.state, "interrupted");
    const from = stopped.checkpoint?.step ?? 0;
    assert.ok(from >= 15 && from < 30 && from % 5 === 0, `checkpoint at step ${from}`);
    await withRunner({ checkpointEvery: 5 }, async (runner) => {
      const done = await finalOf(runner, id);
      assert.equal(done.state, "succeeded", JSON.stringify(done.error));
      assert.deepEqual([done.attempts, done.resumedFrom, done.stepsDone], [2, from, 30]);
      assert.equal(done.weights?.sha256, reference, "the resumed job's weights equal an uninterrupted run's");
      assert.equal(done.checkpoint, undefined);
      assert.ok(!existsSync(path.join(dir, "jobs", `${id}.checkpoint.safetensors`)), "checkpoint removed");
      const steps = (await runner.store.readMetrics(id)).metrics.map((m) => m.step);
      assert.deepEqual(steps, Array.from({ length: 30 }, (_, i) => i), "each step once in the metrics");
    }, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("cancel stops a running job within a step, leaves no checkpoint, frees its buffers", async () => {
  await withRunner({ checkpointEvery: 2 }, async (runner, dir) => {
    const { record } = await runner.submit(request({ steps: 100_000 }));
    await afterSteps(runner, record.id, 5);
    const started = performance.now();
    const after = await runner.cancel(record.id);
    const ms = performance.now() - started;
    assert.equal(after?.state, "cancelled");
    assert.ok(ms < 1000, `cancel took ${ms.toFixed(0)} ms`);
    assert.equal(runner.liveBytes(), 0);
    assert.ok(!existsSync(path.join(dir, "jobs", `${record.id}.checkpoint.safetensors`)));
    assert.equal(runner.load().running, 0);
  });
});

test("64 concurrent submissions against a queue of 16 accept 16: the bound is taken before any await", async () => {
  await withRunner({ maxQueued: 16 }, async (runner) => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 64 }, () => runner.submit(request({ steps: 100_000 }))),
    );
    const accepted = outcomes.filter((o) => o.status === "fulfilled").length;
    // all 64 arrive before the first record is on disk (a job starts only then), so the queue's
    // 16 places are all there is; before the fix 64 were accepted
    assert.equal(accepted, 16);
    for (const o of outcomes) if (o.status === "rejected") assert.ok(o.reason instanceof QueueFull);
    assert.deepEqual(runner.load(), { queued: 15, running: 1 });
  });
});

test("an Idempotency-Key returns the same job on a retry and refuses another body", async () => {
  await withRunner({}, async (runner) => {
    const first = await runner.submit(request({ steps: 100_000 }), { idempotencyKey: "k-1" });
    const retry = await runner.submit(request({ steps: 100_000 }), { idempotencyKey: "k-1" });
    assert.equal(retry.record.id, first.record.id);
    assert.deepEqual([first.replayed, retry.replayed], [false, true]);
    await assert.rejects(
      runner.submit(request({ steps: 7 }), { idempotencyKey: "k-1" }),
      IdempotencyKeyReused,
    );
    const other = await runner.submit(request({ steps: 100_000 }), { idempotencyKey: "k-2" });
    assert.notEqual(other.record.id, first.record.id);
  });
});
