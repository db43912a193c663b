import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { JobRecord, WorkerIdentity } from "../job_types.ts";
import { tinyJob } from "../test_support.ts";
import { JobRequestSchema, parseRequest } from "../request_schema.ts";
import { JobTable, LeaseLost } from "./job_table.ts";
import { freshDatabase, skipWithoutDatabase } from "./test_database.ts";

const skip = skipWithoutDatabase();
const w1: WorkerIdentity = { id: "w1", host: "h1", pid: 1 },
  w2: WorkerIdentity = { id: "w2", host: "h2", pid: 2 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let n = 0;
const job = (extra: Partial<JobRecord> = {}): JobRecord => ({
  id: `job_${n++}`,
  state: "queued",
  request,
  createdAt: new Date().toISOString(),
  stepsDone: 0,
  hasWeights: false,
  attempts: 0,
  ...extra,
});
const parsed = parseRequest(JobRequestSchema, tinyJob());
if (!parsed.ok) throw new Error("tinyJob is not a valid request");
const request = parsed.value;
const claimOpts = { leaseSeconds: 30, maxAttempts: 3 };

describe("JobTable", { skip }, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let table: JobTable;
  before(async () => {
    db = await freshDatabase();
    table = new JobTable(db.sql);
  });
  after(async () => await db?.drop());
  const clear = () => db.sql`TRUNCATE remat_jobs CASCADE`;

  test("submissions stop at the queue bound; an idempotency key returns its first job", async () => {
    await clear();
    const a = await table.submit(job({ idempotencyKey: "k" }), 2);
    assert.equal(a.kind, "inserted");
    assert.equal((await table.submit(job(), 2)).kind, "inserted");
    const full = await table.submit(job(), 2);
    assert.deepEqual(full, { kind: "full", queued: 2 });
    const again = await table.submit(job({ idempotencyKey: "k" }), 2);
    assert.equal(again.kind, "replayed");
    assert.equal(again.kind === "replayed" && again.record.id, a.kind === "inserted" && a.record.id);
    // racing submissions from many connections never overshoot the bound
    await clear();
    const results = await Promise.all(Array.from({ length: 20 }, () => table.submit(job(), 5)));
    assert.equal(results.filter((r) => r.kind === "inserted").length, 5);
  });

  test("claims take the oldest job first, each job once, however many claim at once", async () => {
    await clear();
    const ids = [];
    for (let i = 0; i < 6; i++) {
      const s = await table.submit(job(), 100);
      ids.push(s.kind === "inserted" ? s.record.id : "");
    }
    const first = await table.claim(w1, claimOpts);
    assert.equal(first?.id, ids[0]);
    assert.equal(first?.record.state, "running");
    assert.equal(first?.record.attempts, 1);
    assert.deepEqual(first?.record.worker, w1);
    const racing = await Promise.all(
      Array.from({ length: 8 }, (_, i) => table.claim(i % 2 ? w1 : w2, claimOpts)),
    );
    const got = racing.filter((l) => l !== undefined).map((l) => l!.id).sort();
    assert.deepEqual(got, ids.slice(1).sort(), "the other five, each exactly once");
    assert.equal(await table.claim(w1, claimOpts), undefined, "nothing left");
  });

  test("an expired lease is taken over with a new fence; the old holder can write nothing", async () => {
    await clear();
    await table.submit(job(), 100);
    const old = (await table.claim(w1, { leaseSeconds: 0.2, maxAttempts: 3 }))!;
    await table.write(old, { ...old.record, stepsDone: 3 }, [
      { step: 0, loss: 3, ms: 1, peakBytes: 10 },
      { step: 1, loss: 2, ms: 1, peakBytes: 10 },
      { step: 2, loss: 1, ms: 1, peakBytes: 10 },
    ]);
    assert.equal(await table.claim(w2, claimOpts), undefined, "the lease is still live");
    await sleep(400);
    const next = (await table.claim(w2, claimOpts))!;
    assert.equal(next.id, old.id);
    assert.equal(next.fence, old.fence + 1);
    assert.equal(next.takenOver, true);
    assert.equal(next.record.attempts, 2);
    await assert.rejects(table.write(old, { ...old.record, stepsDone: 4 }), LeaseLost);
    await assert.rejects(table.heartbeat(old), LeaseLost);
    await table.write(next, { ...next.record, stepsDone: 2 }, [{ step: 1, loss: 5, ms: 1, peakBytes: 10 }], {
      dropMetricsFrom: 1,
    });
    const { metrics } = await table.readMetrics(old.id);
    assert.deepEqual(
      metrics.map((m) => [m.step, m.loss]),
      [[0, 3], [1, 5]],
      "steps from 1 dropped, 1 rewritten",
    );
    const attempts = await table.attempts(old.id);
    assert.deepEqual(attempts.map((a) => [a.fence, a.worker.id, a.outcome]), [
      [old.fence, "w1", "lease expired"],
      [next.fence, "w2", null],
    ]);
    assert.ok(
      attempts[0]!.lastSeenAt <= attempts[1]!.claimedAt,
      "the old attempt was last seen before the claim",
    );
    await table.write(next, { ...next.record, state: "succeeded" }, [], { final: true });
    assert.equal((await table.get(old.id))?.state, "succeeded");
    assert.equal((await table.attempts(old.id))[1]!.outcome, "succeeded");
    await assert.rejects(table.heartbeat(next), LeaseLost, "a finished job has no lease");
  });

  test("a job whose workers keep dying fails after maxAttempts", async () => {
    await clear();
    await table.submit(job(), 100);
    for (let i = 1; i <= 2; i++) {
      const l = await table.claim(w1, { leaseSeconds: 0.05, maxAttempts: 2 });
      assert.equal(l?.record.attempts, i);
      await sleep(120);
    }
    assert.equal(await table.claim(w1, { leaseSeconds: 0.05, maxAttempts: 2 }), undefined);
    const [record] = await table.all();
    assert.equal(record!.state, "failed");
    assert.equal(record!.error?.tag, "TooManyAttempts");
  });

  test("cancel: queued at once, running by asking its worker, expired at once and fenced", async () => {
    await clear();
    const queued = await table.submit(job(), 100);
    const id = queued.kind === "inserted" ? queued.record.id : "";
    const q = await table.requestCancel(id);
    assert.equal(q.kind, "cancelled");
    assert.equal((await table.get(id))?.state, "cancelled");
    assert.equal(await table.claim(w1, claimOpts), undefined, "a cancelled job is never claimed");

    await table.submit(job(), 100);
    const lease = (await table.claim(w1, { leaseSeconds: 0.3, maxAttempts: 3 }))!;
    const cancels: string[] = [];
    const stop = await table.listenWork(() => {}, (jobId) => cancels.push(jobId));
    assert.equal((await table.requestCancel(lease.id)).kind, "asked");
    assert.deepEqual(await table.heartbeat(lease), { cancelRequested: true });
    for (let i = 0; i < 50 && cancels.length === 0; i++) await sleep(20);
    assert.deepEqual(cancels, [lease.id], "the worker hears of it at once");
    await stop();
    await sleep(500); // the worker never answered: its lease expired
    const expired = await table.requestCancel(lease.id);
    assert.equal(expired.kind, "cancelled");
    await assert.rejects(table.write(lease, lease.record), LeaseLost);
    assert.equal((await table.requestCancel(lease.id)).kind, "final");
    assert.equal((await table.requestCancel("job_none")).kind, "none");
  });

  test("release puts a running job back in the queue for the next claim", async () => {
    await clear();
    await table.submit(job(), 100);
    const lease = (await table.claim(w1, claimOpts))!;
    await table.release(lease, { ...lease.record, stepsDone: 2 });
    await assert.rejects(table.heartbeat(lease), LeaseLost);
    const next = (await table.claim(w2, claimOpts))!;
    assert.equal(next.id, lease.id);
    assert.equal(next.takenOver, false);
    assert.equal(next.record.attempts, 2);
    assert.deepEqual((await table.attempts(lease.id)).map((a) => a.outcome), ["released", null]);
  });

  test("every change is announced on remat_jobs with the job's id", async () => {
    await clear();
    const seen: string[] = [];
    const stop = await table.listenChanges((id) => seen.push(id));
    const s = await table.submit(job(), 100);
    const id = s.kind === "inserted" ? s.record.id : "";
    const lease = (await table.claim(w1, claimOpts))!;
    await table.write(lease, { ...lease.record, stepsDone: 1 });
    for (let i = 0; i < 50 && seen.length < 3; i++) await sleep(20);
    await stop();
    assert.deepEqual(seen, [id, id, id]);
    const since = await table.changedSince(new Date(Date.now() - 60_000));
    assert.equal(since.records.length, 1);
  });
});
