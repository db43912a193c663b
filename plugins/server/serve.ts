/**
 * Serves the training service. Deno: `deno task serve [--port 8787] [--host 127.0.0.1]
 * [--data-dir ./remat-data]` (uses `Deno.serve`). Bun: `bun run plugins/server/serve.ts` (Bun
 * serves the default export). `REMAT_TOKEN`, when set, is the bearer token every `/v1`
 * route requires. Ctrl-C stops it cleanly: running jobs are recorded as `interrupted`.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { trainingService } from "./app.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    port: { type: "string", default: process.env.PORT ?? "8787" },
    host: { type: "string", default: "127.0.0.1" },
    "data-dir": { type: "string", default: "remat-data" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "usage: deno task serve [--port 8787] [--host 127.0.0.1] [--data-dir remat-data]   (REMAT_TOKEN: bearer token)",
  );
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`serve: --port: got "${values.port}"; expected an integer in 0..65535`);
  process.exit(2);
}

const service = await trainingService({ dataDir: values["data-dir"] });
const jobs = service.runner.list();
console.log(`remat service: data in ${service.runner.store.dir} (${jobs.length} job(s) on record)`);
for (const s of service.runner.store.skipped) console.warn(`remat service: skipped ${s.file}: ${s.reason}`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log("remat service: stopping; running jobs are recorded as interrupted");
  await service.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
if (isDeno) {
  const deno = (globalThis as unknown as {
    Deno: { serve: (o: object, h: (r: Request) => Response | Promise<Response>) => unknown };
  }).Deno;
  deno.serve({
    port,
    hostname: values.host,
    onListen: ({ hostname, port }: { hostname: string; port: number }) =>
      console.log(`remat service: http://${hostname}:${port}`),
  }, service.app.fetch);
} else {
  console.log(`remat service: http://${values.host}:${port}`);
}

/** What Bun's `bun run` serves when a module's default export has a `fetch` (see `export default` below). */
export interface BunServeOptions {
  /** The port to listen on. */
  readonly port: number;
  /** The interface to listen on. */
  readonly hostname: string;
  /** Answers one request: the service's Hono app. */
  readonly fetch: (request: Request) => Response | Promise<Response>;
}

/** Bun serves this object when the file is run with `bun run` (undefined under Deno, which serves above). */
const bunServe: BunServeOptions | undefined = isDeno
  ? undefined
  : { port, hostname: values.host, fetch: service.app.fetch };
export default bunServe;
