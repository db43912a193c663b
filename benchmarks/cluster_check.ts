/**
 * The cluster check (issue 18), with real processes: one API (`serve.ts --database URL
 * --workers 0`), three workers (`cluster/worker_main.ts`), a dozen jobs; one worker is killed
 * with SIGKILL in the middle of a job. Passes when
 *
 * 1. every job succeeds, exactly once (one `succeeded` attempt per job in `remat_attempts`,
 *    and each job's metrics hold each step once);
 * 2. the killed worker's job was taken over by another worker (attempts 2, resumed from a
 *    checkpoint) and its weights have the SHA-256 of an uninterrupted run of the same request;
 * 3. no job ran on two workers at once: per job, each claim was last heard from before the
 *    next claim (the database's record), and the workers' own logs show no two trainings of
 *    one job overlapping (the killed worker's ending at its kill).
 *
 * Needs PostgreSQL: `REMAT_TEST_DATABASE_URL` names a server on which it creates (and drops)
 * its own database (`eval "$(bash scripts/pg_cluster.sh start)"` starts a throwaway server).
 *
 *   deno task check:cluster          (bun benchmarks/cluster_check.ts runs it under Bun)
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import postgres from "postgres";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const runtime = isDeno ? "deno" : "bun";
const script = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const LEASE_SECONDS = 3, CHECKPOINT_EVERY = 5, JOBS = 12, WORKERS = 3;
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

const serverUrl = process.env.REMAT_TEST_DATABASE_URL;
if (!serverUrl) {
  console.error(
    'cluster check: REMAT_TEST_DATABASE_URL is not set (eval "$(bash scripts/pg_cluster.sh start)")',
  );
  process.exit(1);
}

/** A job of a few seconds here: a 12-block residual MLP, batch 32, √n checkpointing. */
const job = (steps: number, seed: number) => ({
  model: { kind: "mlp", depth: 12, width: 64, hidden: 256, classes: 4, inputs: 2 },
  data: { kind: "spirals", noise: 0.05 },
  strategy: { name: "sqrt" },
  batch: 32,
  steps,
  seed,
});

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, any>>;
  exited: boolean;
}

/** Starts `file` with `args` under this runtime, collecting its JSON log lines. */
function start(name: string, file: string, args: string[]): Proc {
  const child = spawn(process.execPath, [...(isDeno ? ["run", "-A"] : []), file, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, REMAT_TOKEN: "" },
  });
  const proc: Proc = { name, child, lines: [], exited: false };
  let buffered = "";
  child.stdout!.on("data", (chunk: Uint8Array) => {
    buffered += new TextDecoder().decode(chunk);
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        proc.lines.push(JSON.parse(line));
      } catch { /* not JSON */ }
    }
  });
  child.once("exit", () => (proc.exited = true));
  return proc;
}

async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 180_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(p: Proc, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (p.exited) return Promise.resolve();
  return new Promise((resolve) => {
    p.child.once("exit", () => resolve());
    p.child.kill(signal);
  });
}

const dbName = `remat_cluster_check_${process.pid}`;
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${dbName}`);
const dbUrl = Object.assign(new URL(serverUrl), { pathname: `/${dbName}` }).toString();
const dir = await mkdtemp(path.join(tmpdir(), "remat-cluster-check-"));
const procs: Proc[] = [];
let exitCode = 1;
try {
  const api = start("api", script("../plugins/server/serve.ts"), [
    "--port",
    "0",
    "--data-dir",
    dir,
    "--database",
    dbUrl,
    "--workers",
    "0",
    "--max-queued",
    "64",
  ]);
  procs.push(api);
  const url = await until(
    "the API",
    () => api.lines.find((l) => l.msg === "listening")?.url as string | undefined,
    60_000,
  );
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined } as { status: number; json: any };
  };
  const workers: Proc[] = [];
  for (let i = 0; i < WORKERS; i++) {
    workers.push(
      start(`worker${i}`, script("../plugins/server/cluster/worker_main.ts"), [
        "--database",
        dbUrl,
        "--data-dir",
        dir,
        "--lease-seconds",
        String(LEASE_SECONDS),
        "--checkpoint-every",
        String(CHECKPOINT_EVERY),
      ]),
    );
  }
  procs.push(...workers);
  for (const w of workers) {
    await until(`${w.name} to start`, () => w.lines.find((l) => l.msg === "worker started"), 60_000);
  }
  console.log(`cluster check under ${runtime}: API ${url}, ${WORKERS} workers, data in ${dir}`);

  const requests = Array.from({ length: JOBS }, (_, i) => job(i % 3 === 0 ? 60 : 30, i + 1));
  const ids: string[] = [];
  for (const r of requests) {
    const res = await call("POST", "/v1/jobs", r);
    if (res.status !== 202) throw new Error(`submission: ${res.status} ${JSON.stringify(res.json)}`);
    ids.push(res.json.id);
  }

  // kill a worker in the middle of a job: past its first checkpoint, before its end
  const victim = await until("a job past its first checkpoint", async () => {
    const { json } = await call("GET", "/v1/jobs");
    return (json.jobs as any[]).find((j) =>
      j.state === "running" && j.checkpoint && j.stepsDone > j.checkpoint.step &&
      j.stepsDone < j.request.steps - 5 &&
      workers.some((w) => w.child.pid === j.worker?.pid)
    );
  });
  const killed = workers.find((w) => w.child.pid === victim.worker.pid)!;
  await stop(killed, "SIGKILL");
  const killedAt = Date.now();
  console.log(`killed ${killed.name} (pid ${victim.worker.pid}) at step ${victim.stepsDone} of ${victim.id}`);

  const finals = await until("every job to finish", async () => {
    const { json } = await call("GET", "/v1/jobs");
    const mine = (json.jobs as any[]).filter((j) => ids.includes(j.id));
    return mine.every((j) => ["succeeded", "failed", "cancelled"].includes(j.state)) ? mine : undefined;
  }, 300_000);
  check(finals.length === JOBS && finals.every((j) => j.state === "succeeded"), `all ${JOBS} jobs succeeded`);

  const takenOver = (await call("GET", `/v1/jobs/${victim.id}`)).json;
  check(
    takenOver.attempts === 2 && takenOver.worker.pid !== victim.worker.pid && takenOver.resumedFrom > 0,
    `the killed worker's job was taken over: attempts ${takenOver.attempts}, resumed from step ${takenOver.resumedFrom} on pid ${takenOver.worker.pid}`,
  );
  // the same request again, uninterrupted (no worker is killed now)
  const twin = (await call("POST", "/v1/jobs", requests[ids.indexOf(victim.id)])).json;
  await until("the uninterrupted run", async () => {
    const { json } = await call("GET", `/v1/jobs/${twin.id}`);
    return json.state === "succeeded" ? json : undefined;
  });
  const sha = async (id: string) => {
    const res = await fetch(`${url}/v1/jobs/${id}/weights`);
    return createHash("sha256").update(new Uint8Array(await res.arrayBuffer())).digest("hex");
  };
  const [a, b] = [await sha(victim.id), await sha(twin.id)];
  check(
    a === b,
    `taken-over weights = uninterrupted run's (SHA-256 ${a.slice(0, 16)}… vs ${b.slice(0, 16)}…)`,
  );

  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    const attempts = await sql<
      { job_id: string; fence: number; outcome: string | null; seen: Date; claimed: Date }[]
    >`
      SELECT job_id, fence, outcome, last_seen_at AS seen, claimed_at AS claimed FROM remat_attempts ORDER BY job_id, fence`;
    const byJob = Map.groupBy(attempts, (r) => r.job_id);
    const onceEach = ids.every((id) =>
      (byJob.get(id) ?? []).filter((r) => r.outcome === "succeeded").length === 1
    );
    check(onceEach, "each job has exactly one succeeded attempt");
    const metrics = await sql<{ job_id: string; n: number; lo: number; hi: number }[]>`
      SELECT job_id, count(*)::int AS n, min(step) AS lo, max(step) AS hi FROM remat_metrics GROUP BY job_id`;
    const steps = new Map(metrics.map((m) => [m.job_id, m]));
    check(
      ids.every((id, i) => {
        const m = steps.get(id), n = requests[i]!.steps;
        return m !== undefined && m.n === n && m.lo === 0 && m.hi === n - 1;
      }),
      "each job's metrics hold each step exactly once",
    );
    let ordered = true;
    for (const rows of byJob.values()) {
      for (let i = 1; i < rows.length; i++) if (rows[i - 1]!.seen > rows[i]!.claimed) ordered = false;
    }
    check(ordered, "database: every claim was last heard from before the next claim of its job");
  } finally {
    await sql.end();
  }

  // the workers' own account: [claimed, ended] per job and worker, the killed one ending at its kill
  const spans: Array<{ job: string; worker: string; from: number; to: number }> = [];
  for (const w of workers) {
    const open = new Map<string, number>();
    for (const l of w.lines) {
      if (l.msg === "claimed") open.set(l.job, Date.parse(l.ts));
      if (l.msg === "ended" && open.has(l.job)) {
        spans.push({ job: l.job, worker: w.name, from: open.get(l.job)!, to: Date.parse(l.ts) });
        open.delete(l.job);
      }
    }
    for (const [j, from] of open) {
      spans.push({ job: j, worker: w.name, from, to: w === killed ? killedAt : Infinity });
    }
  }
  const overlaps = spans.filter((s) =>
    spans.some((t) => t !== s && t.job === s.job && t.from < s.to && s.from < t.to)
  );
  check(
    overlaps.length === 0,
    `workers' logs: no job trained on two workers at once (${spans.length} trainings)`,
  );
  exitCode = failures.length === 0 ? 0 : 1;
} catch (e) {
  console.error(`cluster check: ${(e as Error).stack ?? e}`);
} finally {
  await Promise.all(procs.map((p) => stop(p)));
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  await admin.end();
  await rm(dir, { recursive: true, force: true });
}
console.log(
  failures.length === 0 && exitCode === 0
    ? "cluster check: all passed"
    : `cluster check: ${failures.length} failed`,
);
process.exit(exitCode);
