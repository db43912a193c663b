/**
 * A bounded load test of the training service, on loopback only, that stops by itself:
 * starts the service on 127.0.0.1 (ephemeral port, temporary data directory), sends a fixed
 * number of requests from several concurrent workers, mixing valid jobs, malformed JSON,
 * oversize bodies, bad fields, plans, reads and cancels; waits for every accepted job to
 * finish; then checks that no answer was a 5xx, no accepted job is missing (from the live
 * list, and from the data directory reopened after a restart), and live buffer bytes are
 * back to zero. Prints the status counts; exits 1 when a check fails.
 *
 *   deno task load:server [--requests 500] [--workers 16]
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { JobStore, trainingService } from "@remat/server";
import { listen } from "../plugins/server/test_support.ts";

const { values } = parseArgs({
  options: { requests: { type: "string", default: "500" }, workers: { type: "string", default: "16" } },
});
const total = Number(values.requests), workers = Number(values.workers);
const dir = await mkdtemp(path.join(tmpdir(), "remat-load-"));
const service = await trainingService({
  dataDir: dir,
  token: "",
  log: false,
  runner: { maxQueued: 8 },
  limits: { maxBodyBytes: 16 * 1024 },
});
const server = await listen(service.app.fetch);
const started = performance.now();

const counts = new Map<string, number>();
const accepted: string[] = [];
const failures: string[] = [];
let seq = 0;

const kinds = [
  "job",
  "job",
  "job",
  "malformed",
  "oversize",
  "badFields",
  "badFields",
  "cancel",
  "read",
  "plan",
] as const;

async function send(kind: typeof kinds[number], i: number): Promise<number> {
  const post = (url: string, body: string) =>
    fetch(`${server.url}${url}`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  switch (kind) {
    case "job": {
      const res = await post(
        "/v1/jobs",
        JSON.stringify({
          model: { kind: "mlp", depth: 2, width: 8, hidden: 16 },
          batch: 8,
          steps: 3 + (i % 17),
          seed: i,
        }),
      );
      const body = await res.json() as { id?: string };
      if (res.status === 202 && body.id) accepted.push(body.id);
      return res.status;
    }
    case "malformed":
      return (await drain(post("/v1/jobs", `{"model": {"kind": "mlp"`))).status;
    case "oversize":
      return (await drain(
        post("/v1/jobs", JSON.stringify({ model: { kind: "mlp" }, pad: "x".repeat(20_000) })),
      )).status;
    case "badFields":
      return (await drain(
        post("/v1/jobs", JSON.stringify({ model: { kind: "mlp", depth: -1 }, steps: 0, backend: "tpu" })),
      )).status;
    case "plan":
      // every other plan asks for a budget below the smallest feasible one (a 422)
      const bytes = i % 20 < 10 ? 4_000_000 : 40_000;
      return (await drain(
        post(
          "/v1/plans",
          JSON.stringify({ model: { kind: "mlp", depth: 24 }, strategy: { name: "optimal", bytes } }),
        ),
      )).status;
    case "cancel": {
      const id = accepted[(i * 7) % Math.max(1, accepted.length)] ?? "no-such-job";
      return (await drain(fetch(`${server.url}/v1/jobs/${id}`, { method: "DELETE" }))).status;
    }
    case "read": {
      const id = accepted[accepted.length - 1] ?? "no-such-job";
      return (await drain(fetch(`${server.url}/v1/jobs/${id}`))).status;
    }
  }
}

async function drain(p: Promise<Response>): Promise<Response> {
  const res = await p;
  await res.arrayBuffer();
  return res;
}

await Promise.all(Array.from({ length: workers }, async () => {
  for (let i = seq++; i < total; i = seq++) {
    const kind = kinds[i % kinds.length]!;
    let status: number;
    try {
      status = await send(kind, i);
    } catch (e) {
      failures.push(`request ${i} (${kind}) threw: ${e}`);
      continue;
    }
    counts.set(`${kind} ${status}`, (counts.get(`${kind} ${status}`) ?? 0) + 1);
    if (status >= 500) failures.push(`request ${i} (${kind}) answered ${status}`);
    if (i % 50 === 49) process.stderr.write(`load: ${i + 1}/${total} requests\n`);
  }
}));
const sentMs = performance.now() - started;

// Every accepted job finishes (or was cancelled); wait for the queue to drain.
const until = Date.now() + 120_000;
while (service.runner.load().running + service.runner.load().queued > 0 && Date.now() < until) {
  await new Promise((r) => setTimeout(r, 50));
}
const listed = new Set(
  ((await (await fetch(`${server.url}/v1/jobs`)).json()) as { jobs: Array<{ id: string; state: string }> })
    .jobs.map((j) => j.id),
);
const health = await (await fetch(`${server.url}/healthz`)).json() as {
  liveBytes: number;
  running: number;
  queued: number;
};
await server.close();
await service.close();
const reopened = await JobStore.open(dir);
const states = new Map<string, number>();
for (const r of reopened.list()) states.set(r.state, (states.get(r.state) ?? 0) + 1);
await rm(dir, { recursive: true, force: true });

for (const id of accepted) {
  if (!listed.has(id)) failures.push(`job ${id} was accepted but is not listed`);
  if (!reopened.get(id)) {
    failures.push(`job ${id} was accepted but is not in the data directory after a restart`);
  }
}
if (health.running + health.queued > 0) {
  failures.push(`jobs still active after 120 s: ${JSON.stringify(health)}`);
}
if (health.liveBytes !== 0) {
  failures.push(`live buffer bytes after the jobs: ${health.liveBytes}, expected 0`);
}

console.log(
  `${total} requests from ${workers} workers in ${(sentMs / 1000).toFixed(1)} s (${
    (total / (sentMs / 1000)).toFixed(0)
  } req/s)`,
);
for (const [key, n] of [...counts].sort()) console.log(`  ${key.padEnd(18)} ${n}`);
console.log(
  `accepted jobs ${accepted.length}; after restart: ${[...states].map(([s, n]) => `${n} ${s}`).join(", ")}`,
);
console.log(`live buffer bytes at the end: ${health.liveBytes}`);
if (failures.length > 0) {
  console.error(`load: ${failures.length} check(s) failed:\n  ${failures.slice(0, 20).join("\n  ")}`);
  process.exit(1);
}
console.log("load: no 5xx, no lost job, live bytes back to 0");
