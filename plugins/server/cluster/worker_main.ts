/**
 * A cluster worker process: `deno task worker --database URL --data-dir DIR
 * [--lease-seconds 15] [--checkpoint-every 50] [--max-attempts 3]` (or `bun run
 * plugins/server/cluster/worker_main.ts …`). It claims jobs from the database one at a time and
 * trains them, writing checkpoints and weights into DIR — the data directory the API serves
 * weights from, shared between hosts. Logs are JSON lines on stdout. SIGINT/SIGTERM stop it
 * cleanly: a running job goes back to the queue from its last checkpoint; a worker killed
 * outright loses its job's lease after `--lease-seconds`, and another worker takes it over.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { logEvent } from "../json_log.ts";
import { JobTable } from "./job_table.ts";
import { startLeaseWorker } from "./lease_worker.ts";
import { createSchema } from "./schema.ts";
import { SharedFiles } from "./shared_files.ts";
import { connect, redactUrl } from "./sql.ts";

const usage = "usage: deno task worker --database postgres://… --data-dir DIR [--lease-seconds 15] " +
  "[--checkpoint-every 50] [--max-attempts 3]";
const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    database: { type: "string", default: process.env.REMAT_DATABASE_URL },
    "data-dir": { type: "string" },
    "lease-seconds": { type: "string", default: "15" },
    "checkpoint-every": { type: "string", default: "50" },
    "max-attempts": { type: "string", default: "3" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
function fail(message: string): never {
  console.error(`worker: ${message}\n${usage}`);
  process.exit(2);
}
if (!values.database) fail("--database is required (or REMAT_DATABASE_URL)");
if (!values["data-dir"]) fail("--data-dir is required: the data directory the API reads weights from");
const number = (flag: "lease-seconds" | "checkpoint-every" | "max-attempts", min: number, max: number) => {
  const n = Number(values[flag]);
  if (!Number.isFinite(n) || n < min || n > max) {
    fail(`--${flag}: got "${values[flag]}"; expected ${min}..${max}`);
  }
  return n;
};
const leaseSeconds = number("lease-seconds", 1, 3600);
const checkpointEvery = Math.floor(number("checkpoint-every", 0, 1e9));
const maxAttempts = Math.floor(number("max-attempts", 1, 100));

let sql;
try {
  sql = await connect(values.database!, { max: 4, name: "remat-worker" });
  await createSchema(sql);
} catch (e) {
  console.error(`worker: ${(e as Error).message}`);
  process.exit(1);
}
const files = await SharedFiles.open(values["data-dir"]!);
const worker = await startLeaseWorker({
  table: new JobTable(sql),
  files,
  leaseSeconds,
  checkpointEvery,
  maxAttempts,
  log: (fields) => logEvent({ ...fields, msg: String(fields.msg) }),
});
logEvent({
  msg: "worker started",
  worker: worker.identity.id,
  host: worker.identity.host,
  pid: worker.identity.pid,
  database: redactUrl(values.database!),
  dataDir: files.dir,
  leaseSeconds,
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  logEvent({ msg: "worker stopping", worker: worker.identity.id, job: worker.current() ?? null });
  await worker.stop();
  await sql!.end({ timeout: 5 });
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
