import assert from "node:assert/strict";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { InvalidArgument } from "@remat/core";
import { JobStore, storedFileOf, WeightsCorrupt } from "./job_store.ts";
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
const metricsOf = async (store: JobStore, id: string) => (await store.readMetrics(id)).metrics;

/** Runs `f` with `console.warn` recording its calls instead of printing them. */
async function withWarnings<T>(f: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    return { value: await f(), warnings };
  } finally {
    console.warn = warn;
  }
}

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
    assert.deepEqual(await store.readMetrics("m"), { metrics: [], skipped: [] });
    void store.appendMetrics("m", [metric(0), metric(1)]);
    void store.appendMetrics("m", []);
    void store.appendMetrics("m", [metric(2)]);
    assert.deepEqual(await metricsOf(store, "m"), [metric(0), metric(1), metric(2)]);
    const file = path.join(jobsDir(dir), "m.metrics.ndjson");
    await fs.appendFile(file, `{"step":3,"loss":0.2`); // a crash mid-append
    const { value: torn, warnings } = await withWarnings(() => store.readMetrics("m"));
    assert.deepEqual(torn, { metrics: [metric(0), metric(1), metric(2)], skipped: [] });
    assert.deepEqual(warnings, [], "a torn last line is ignored silently");
    const reopened = await JobStore.open(dir);
    await reopened.appendMetrics("m", [metric(3)]);
    assert.deepEqual(await metricsOf(reopened, "m"), [0, 1, 2, 3].map(metric));
  });
});

test("JobStore.readMetrics skips lines that are not step metrics, lists them and warns once", async () => {
  await withDir(async (dir) => {
    const store = await JobStore.open(dir);
    const lines = [
      JSON.stringify(metric(0)),
      "xx",
      "[1,2]",
      "null",
      JSON.stringify({ step: 1, loss: "0.5", ms: 2, peakBytes: 64 }),
      JSON.stringify({ step: 2, loss: null, ms: 2 }),
      JSON.stringify({ ...metric(3), extra: "dropped" }),
    ];
    await fs.writeFile(path.join(jobsDir(dir), "m.metrics.ndjson"), `${lines.join("\n")}\n{"torn`);
    const { value, warnings } = await withWarnings(() => store.readMetrics("m"));
    assert.deepEqual(value.metrics, [metric(0), metric(3)]);
    assert.deepEqual(value.skipped.map((s) => s.line), [2, 3, 4, 5, 6]);
    assert.match(value.skipped[0]!.reason, /^not valid JSON/);
    assert.equal(value.skipped[1]!.reason, "not a JSON object");
    assert.equal(value.skipped[2]!.reason, "not a JSON object");
    assert.equal(value.skipped[3]!.reason, "not a step metric: no finite number in loss");
    assert.equal(value.skipped[4]!.reason, "not a step metric: no finite number in loss, peakBytes");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /skipped 5 invalid line\(s\) of m\.metrics\.ndjson/);
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

test("storedFileOf gives the byte length and the hex SHA-256", () => {
  assert.deepEqual(storedFileOf(new TextEncoder().encode("abc")), {
    bytes: 3,
    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  });
});

// Weights and checkpoints: same methods, different files.
for (
  const [what, file, save, read, remove] of [
    ["weights", "w.safetensors", "saveWeights", "readWeights", "removeWeights"],
    ["checkpoint", "w.checkpoint.safetensors", "saveCheckpoint", "readCheckpoint", "removeCheckpoint"],
  ] as const
) {
  test(`JobStore.${save} returns size and SHA-256; ${read} verifies them; ${remove} removes the file`, async () => {
    await withDir(async (dir) => {
      const store = await JobStore.open(dir);
      const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 255);
      const saved = await store[save]("w", bytes);
      assert.deepEqual(saved, storedFileOf(bytes));
      assert.equal(saved.bytes, 1000);
      assert.match(saved.sha256, /^[0-9a-f]{64}$/);
      assert.deepEqual(await fs.readdir(jobsDir(dir)), [file]);
      assert.deepEqual(Array.from((await store[read]("w", saved))!), Array.from(bytes));

      await fs.truncate(path.join(jobsDir(dir), file), 600); // a torn copy, a full disk
      assert.equal((await store[read]("w"))!.length, 600, "without `expected`, no check");
      const e = await store[read]("w", saved).then(() => undefined, (e: unknown) => e);
      assert.ok(e instanceof WeightsCorrupt, String(e));
      assert.equal(e._tag, "WeightsCorrupt");
      assert.equal(e.what, what);
      assert.equal(e.file, file);
      assert.deepEqual(e.expected, saved);
      assert.deepEqual(e.actual, storedFileOf(bytes.subarray(0, 600)));
      assert.match(e.message, new RegExp(`${file} is corrupt: it has 600 bytes .* 1000 bytes .* were saved`));

      const flipped = bytes.slice();
      flipped[500] ^= 1; // same size, other content
      await fs.writeFile(path.join(jobsDir(dir), file), flipped);
      await assert.rejects(store[read]("w", saved), WeightsCorrupt);

      void store[save]("w", bytes);
      await store[remove]("w"); // queued behind the save: the file is gone after both
      assert.equal(await store[read]("w"), undefined);
      assert.deepEqual(await fs.readdir(jobsDir(dir)), []);
      await store[remove]("w"); // removing what is not there is no error
    });
  });
}

test("JobStore.open keeps an unreadable <id>.json as a corrupt record, and other names in skipped", async () => {
  await withDir(async (dir) => {
    await fs.mkdir(jobsDir(dir), { recursive: true });
    const files = {
      "broken.json": "{ not json",
      "broken.safetensors": "weights",
      "other.json": JSON.stringify(job("someone-else")),
      "odd.name.json": "{}",
      "ok.json": JSON.stringify(job("ok")),
    };
    for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(jobsDir(dir), name), text);
    const store = await JobStore.open(dir);
    assert.deepEqual(store.list().map((r) => r.id), ["ok"]);
    assert.deepEqual(store.corrupt.map((r) => [r.id, r.state, r.hasWeights]), [
      ["broken", "corrupt", true],
      ["other", "corrupt", false],
    ]);
    const broken = store.getCorrupt("broken")!;
    assert.equal(broken.error.tag, "CorruptRecord");
    assert.match(broken.error.message, /^the record file broken\.json cannot be read: not valid JSON/);
    assert.ok(!Number.isNaN(Date.parse(broken.createdAt)));
    assert.match(store.getCorrupt("other")!.error.message, /id "someone-else" does not match the file name/);
    assert.equal(store.getCorrupt("ok"), undefined);
    assert.equal(store.get("broken"), undefined, "get and list see readable records only");
    assert.deepEqual(store.skipped.map((s) => s.file), ["odd.name.json"]);
    assert.match(store.skipped[0]!.reason, /id undefined does not match the file name/);
  });
});

test("JobStore never writes or removes a corrupt record's files", async () => {
  await withDir(async (dir) => {
    await fs.mkdir(jobsDir(dir), { recursive: true });
    await fs.writeFile(path.join(jobsDir(dir), "bad.json"), "{ not json");
    await fs.writeFile(path.join(jobsDir(dir), "bad.safetensors"), "weights");
    const store = await JobStore.open(dir);
    await assert.rejects(store.save(job("bad")), /corrupt record's files are kept/);
    await assert.rejects(store.saveWeights("bad", new Uint8Array(1)), InvalidArgument);
    await assert.rejects(store.removeWeights("bad"), InvalidArgument);
    await assert.rejects(store.saveCheckpoint("bad", new Uint8Array(1)), InvalidArgument);
    await assert.rejects(store.removeCheckpoint("bad"), InvalidArgument);
    await assert.rejects(store.appendMetrics("bad", [metric(0)]), InvalidArgument);
    await store.flush();
    await JobStore.open(dir); // a second open rewrites nothing either
    assert.equal(await fs.readFile(path.join(jobsDir(dir), "bad.json"), "utf8"), "{ not json");
    assert.equal(await fs.readFile(path.join(jobsDir(dir), "bad.safetensors"), "utf8"), "weights");
    assert.deepEqual((await fs.readdir(jobsDir(dir))).sort(), ["bad.json", "bad.safetensors"]);
    assert.equal(new TextDecoder().decode(await store.readWeights("bad")), "weights", "reads still work");
  });
});

test("JobStore.open treats a record file claiming the corrupt state as corrupt", async () => {
  await withDir(async (dir) => {
    await fs.mkdir(jobsDir(dir), { recursive: true });
    const forged = { ...job("f"), state: "corrupt" };
    await fs.writeFile(path.join(jobsDir(dir), "f.json"), JSON.stringify(forged));
    const store = await JobStore.open(dir);
    assert.equal(store.get("f"), undefined);
    assert.match(store.getCorrupt("f")!.error.message, /unknown state "corrupt"/);
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
      await assert.rejects(store.removeWeights(id), InvalidArgument);
      await assert.rejects(store.saveCheckpoint(id, new Uint8Array(1)), InvalidArgument);
      await assert.rejects(store.readCheckpoint(id), InvalidArgument);
      await assert.rejects(store.removeCheckpoint(id), InvalidArgument);
      assert.equal(store.get(id), undefined);
    }
    assert.deepEqual(await fs.readdir(dir), ["jobs"]);
    assert.deepEqual(await fs.readdir(jobsDir(dir)), []);
  });
});
