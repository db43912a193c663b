/**
 * Serves the training service: `deno task serve` or `bun run plugins/server/serve.ts`, with
 * `[--port 8787] [--host 127.0.0.1] [--data-dir ./remat-data] [--idle-timeout 10]
 * [--request-timeout 30]`. The timeouts are seconds: how long a keep-alive connection may stay
 * idle, and how long a client has to send a whole request (see `listen.ts`). `REMAT_TOKEN`,
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
  `[--idle-timeout ${DEFAULT_IDLE_TIMEOUT_S}] [--request-timeout ${DEFAULT_REQUEST_TIMEOUT_S}]   ` +
  "(REMAT_TOKEN: bearer token)";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    host: { type: "string", default: "127.0.0.1" },
    "data-dir": { type: "string", default: "remat-data" },
    "idle-timeout": { type: "string", default: String(DEFAULT_IDLE_TIMEOUT_S) },
    "request-timeout": { type: "string", default: String(DEFAULT_REQUEST_TIMEOUT_S) },
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

const service = await trainingService({ dataDir: values["data-dir"] });
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
  logEvent({ msg: "stopping", note: "running jobs are recorded as interrupted" });
  await service.close();
  await server.close(true);
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
