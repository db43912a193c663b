/**
 * Serves the training service: `deno task serve` or `bun run plugins/server/serve.ts`, with
 * `[--port 8787] [--host 127.0.0.1] [--data-dir ./remat-data] [--idle-timeout 10]
 * [--request-timeout 30] [--concurrency 1] [--max-queued 16] [--checkpoint-every 50]
 * [--no-resume] [--database URL [--workers 1] [--lease-seconds 15]]`. The timeouts are seconds: how long a keep-alive connection may stay idle,
 * and how long a client has to send a whole request (see `listen.ts`). Jobs run in workers,
 * `--concurrency` at a time; a job writes a checkpoint every `--checkpoint-every` steps (0:
 * never), and jobs a stop or a crash interrupted resume from theirs when the service starts
 * again, unless `--no-resume`. With `--database` (or `REMAT_DATABASE_URL`) jobs live in PostgreSQL
 * and are trained by `--workers` workers in this process (0: none) and by any started with
 * `deno task worker` on other hosts sharing the data directory. `REMAT_TOKEN`,
 * when set, is the bearer token every `/v1` route and `/metrics` require. Logs are JSON
 * lines on stdout. Ctrl-C stops it cleanly: running jobs are recorded as `interrupted`.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { trainingService } from "./app.ts";
import { logEvent } from "./json_log.ts";
import { DEFAULT_IDLE_TIMEOUT_S, DEFAULT_REQUEST_TIMEOUT_S, listen } from "./listen.ts";

const usage = "usage: deno task serve [--port 8787] [--host 127.0.0.1] [--data-dir remat-data] " +
  `[--idle-timeout ${DEFAULT_IDLE_TIMEOUT_S}] [--request-timeout ${DEFAULT_REQUEST_TIMEOUT_S}] ` +
  "[--concurrency 1] [--max-queued 16] [--checkpoint-every 50] [--no-resume] " +
  "[--database postgres://… [--workers 1] [--lease-seconds 15]]   (REMAT_TOKEN: bearer token)";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    host: { type: "string", default: "127.0.0.1" },
    "data-dir": { type: "string", default: "remat-data" },
    "idle-timeout": { type: "string", default: String(DEFAULT_IDLE_TIMEOUT_S) },
    "request-timeout": { type: "string", default: String(DEFAULT_REQUEST_TIMEOUT_S) },
    concurrency: { type: "string", default: "1" },
    "max-queued": { type: "string", default: "16" },
    "checkpoint-every": { type: "string", default: "50" },
    "no-resume": { type: "boolean", default: false },
    database: { type: "string", default: process.env.REMAT_DATABASE_URL },
    workers: { type: "string", default: "1" },
    "lease-seconds": { type: "string", default: "15" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

function fail(message: string): never {
  console.error(`serve: ${message}\n${usage}`);
  process.exit(2);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  fail(`--port: got "${values.port}"; expected an integer in 0..65535`);
}
const secondsFlag = (flag: "idle-timeout" | "request-timeout"): number => {
  const s = Number(values[flag]);
  if (!Number.isFinite(s) || s <= 0) {
    fail(`--${flag}: got "${values[flag]}"; expected a positive number of seconds`);
  }
  return s;
};
const idleTimeoutSeconds = secondsFlag("idle-timeout");
const requestTimeoutSeconds = secondsFlag("request-timeout");

const countFlag = (
  flag: "concurrency" | "max-queued" | "checkpoint-every" | "workers",
  min: number,
): number => {
  const n = Number(values[flag]);
  if (!Number.isSafeInteger(n) || n < min) {
    fail(`--${flag}: got "${values[flag]}"; expected an integer ≥ ${min}`);
  }
  return n;
};
const runner = {
  concurrency: countFlag("concurrency", 1),
  maxQueued: countFlag("max-queued", 1),
  checkpointEvery: countFlag("checkpoint-every", 0),
  resume: !values["no-resume"],
};

const leaseSeconds = Number(values["lease-seconds"]);
if (!Number.isFinite(leaseSeconds) || leaseSeconds < 1 || leaseSeconds > 3600) {
  fail(`--lease-seconds: got "${values["lease-seconds"]}"; expected a number of seconds in 1..3600`);
}
const database = values.database
  ? { url: values.database, workers: countFlag("workers", 0), leaseSeconds }
  : undefined;

let service: Awaited<ReturnType<typeof trainingService>>;
try {
  service = await trainingService({ dataDir: values["data-dir"], runner, database });
} catch (e) {
  console.error(`serve: ${(e as Error).message}`);
  process.exit(1);
}
logEvent({ msg: "data", dir: service.runner.store.dir, jobs: service.runner.list().length });
for (const s of service.runner.store.skipped) {
  logEvent({ level: "warn", msg: "skipped", file: s.file, reason: s.reason });
}

const server = await listen(service.app.fetch, {
  hostname: values.host,
  port,
  idleTimeoutSeconds,
  requestTimeoutSeconds,
});
logEvent({
  msg: "listening",
  url: server.url,
  engine: server.engine,
  idleTimeoutSeconds,
  requestTimeoutSeconds,
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  logEvent({
    msg: "stopping",
    note: database
      ? "running jobs go back to the queue, from their checkpoints"
      : "running jobs are recorded as interrupted",
  });
  await service.close();
  await server.close(true);
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
