/**
 * The service's production checks, against the real server process (plugins/server/serve.ts)
 * run by the same runtime as this script (Deno or Bun), on loopback, in a temporary data
 * directory; exits 1 when a check fails:
 *
 * 1. Responsive while training: with a job of ≥ 150 ms steps running, 100 `GET /healthz` have
 *    a p99 under 100 ms, and a `DELETE` of the job is answered within one step.
 * 2. Admission holds: 64 concurrent submissions against a queue of 16 accept at most 17.
 * 3. Crash and resume: a job whose server (its whole process group, workers included) is
 *    killed with SIGKILL past half its steps resumes when the server starts again, and its
 *    weights' SHA-256 equals an uninterrupted run's.
 *
 *   deno task check:service        bun benchmarks/service_checks.ts
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
const runtime = isDeno ? "deno" : "bun";
const serveScript = fileURLToPath(new URL("../plugins/server/serve.ts", import.meta.url));
const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

/** A job of about 200–400 ms steps here (a 24-block residual MLP, 256/1024, batch 64, sqrt). */
const slowJob = (steps: number, seed = 1) => ({
  model: { kind: "mlp", depth: 24, width: 256, hidden: 1024, classes: 10, inputs: 256 },
  data: { kind: "teacher" },
  strategy: { name: "sqrt" },
  batch: 64,
  steps,
  seed,
});

interface Server {
  readonly url: string;
  readonly child: ChildProcess;
}

/** Starts serve.ts in its own process group and waits for its "listening" line. */
function startServer(dataDir: string): Promise<Server> {
  const args = [
    ...(isDeno ? ["run", "-A"] : []),
    serveScript,
    "--port",
    "0",
    "--data-dir",
    dataDir,
    "--max-queued",
    "16",
    "--checkpoint-every",
    "5",
  ];
  const child = spawn(process.execPath, args, {
    detached: true, // its own process group: the crash below kills the group, workers included
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, REMAT_TOKEN: "" },
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error("the server did not start in 60 s")), 60_000);
    child.stdout!.on("data", (chunk: Uint8Array) => {
      buffered += new TextDecoder().decode(chunk);
      for (;;) {
        const nl = buffered.indexOf("\n");
        if (nl < 0) break;
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const event = JSON.parse(line) as { msg?: string; url?: string };
          if (event.msg === "listening" && event.url) {
            (clearTimeout(timer), resolve({ url: event.url, child }));
          }
        } catch { /* not JSON: ignore */ }
      }
    });
    child.once("exit", (code) => reject(new Error(`the server exited with ${code} before listening`)));
  });
}

function stopServer(s: Server, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
    s.child.once("exit", () => resolve());
    process.kill(-s.child.pid!, signal); // the whole group
  });
}

async function api(
  s: Server,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${s.url}${url}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function waitFor(
  s: Server,
  id: string,
  until: (job: any) => boolean,
  timeoutMs = 180_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await api(s, "GET", `/v1/jobs/${id}`);
    if (until(json)) return json;
    if (Date.now() > deadline) throw new Error(`job ${id}: still ${json.state} at step ${json.stepsDone}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const isFinal = (j: any) => ["succeeded", "failed", "cancelled", "interrupted"].includes(j.state);

async function weightsSha(s: Server, id: string): Promise<string> {
  const res = await fetch(`${s.url}/v1/jobs/${id}/weights`);
  if (res.status !== 200) throw new Error(`weights of ${id}: ${res.status} ${await res.text()}`);
  return createHash("sha256").update(new Uint8Array(await res.arrayBuffer())).digest("hex");
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil(p * xs.length) - 1]!;

const dir = await mkdtemp(path.join(tmpdir(), "remat-service-checks-"));
let server = await startServer(dir);
console.log(`service checks under ${runtime}: ${server.url}, data in ${dir}`);
try {
  // 1. responsive while a job trains
  const slow = await api(server, "POST", "/v1/jobs", slowJob(100_000));
  check(slow.status === 202, `a slow job is accepted (${slow.status})`);
  const running = await waitFor(server, slow.json.id, (j) => j.stepsDone >= 3 || isFinal(j));
  const stepMs = running.lastStepMs as number;
  check(stepMs >= 150, `its steps take ≥ 150 ms (${stepMs.toFixed(0)} ms)`);
  const latencies: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    const res = await fetch(`${server.url}/healthz`);
    await res.arrayBuffer();
    latencies.push(performance.now() - t);
  }
  const p50 = percentile(latencies, 0.5), p99 = percentile(latencies, 0.99);
  check(
    p99 < 100,
    `GET /healthz while it trains: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (< 100)`,
  );
  const t0 = performance.now();
  const cancel = await api(server, "DELETE", `/v1/jobs/${slow.json.id}`);
  const cancelMs = performance.now() - t0;
  check(
    cancel.status === 200 && cancel.json.state === "cancelled" && cancelMs < stepMs,
    `DELETE answered in ${cancelMs.toFixed(0)} ms, within one step (${
      stepMs.toFixed(0)
    } ms): ${cancel.json.state}`,
  );

  // 2. admission
  const answers = await Promise.all(
    Array.from({ length: 64 }, (_, i) => api(server, "POST", "/v1/jobs", slowJob(100_000, 100 + i))),
  );
  const accepted = answers.filter((a) => a.status === 202);
  const statuses = [...new Set(answers.map((a) => a.status))].sort().join(", ");
  check(
    accepted.length <= 17,
    `64 concurrent submissions, queue of 16: ${accepted.length} accepted (statuses ${statuses})`,
  );
  for (const a of accepted) await api(server, "DELETE", `/v1/jobs/${a.json.id}`);

  // 3. crash and resume
  const steps = 40;
  const reference = await api(server, "POST", "/v1/jobs", slowJob(steps, 7));
  const done = await waitFor(server, reference.json.id, isFinal);
  check(done.state === "succeeded", `the uninterrupted run of ${steps} steps succeeds (${done.state})`);
  const referenceSha = await weightsSha(server, reference.json.id);
  const crashed = await api(server, "POST", "/v1/jobs", slowJob(steps, 7));
  const before = await waitFor(
    server,
    crashed.json.id,
    (j) => (j.stepsDone > steps / 2 && j.checkpoint) || isFinal(j),
  );
  await stopServer(server, "SIGKILL");
  console.log(
    `killed the server's process group (SIGKILL) at step ${before.stepsDone} of ${steps}, checkpoint at ${before.checkpoint?.step}`,
  );
  server = await startServer(dir);
  const resumed = await waitFor(server, crashed.json.id, isFinal);
  check(
    resumed.state === "succeeded" && resumed.attempts === 2 && resumed.resumedFrom > 0,
    `after the restart it resumed by itself: ${resumed.state}, attempts ${resumed.attempts}, from step ${resumed.resumedFrom}`,
  );
  const resumedSha = await weightsSha(server, crashed.json.id);
  check(
    resumedSha === referenceSha,
    `its weights' SHA-256 equals the uninterrupted run's (${resumedSha.slice(0, 16)}… vs ${
      referenceSha.slice(0, 16)
    }…)`,
  );
} catch (e) {
  failures.push(String(e));
  console.error(`service checks: ${e instanceof Error ? e.stack : e}`);
} finally {
  await stopServer(server, "SIGTERM");
  await rm(dir, { recursive: true, force: true });
}
console.log(
  failures.length === 0 ? `service checks under ${runtime}: all passed` : `${failures.length} failed`,
);
process.exit(failures.length === 0 ? 0 : 1);
