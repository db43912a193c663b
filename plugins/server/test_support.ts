/**
 * Helpers for the service's tests and load script: a service on a fresh temporary data
 * directory, tiny job requests, a real listener on 127.0.0.1 under Deno or Bun, and an SSE
 * reader.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ServiceOptions, type TrainingService, trainingService } from "./app.ts";

/** A tiny MLP job body (milliseconds per step on the CPU). */
export function tinyJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: { kind: "mlp", depth: 2, width: 8, hidden: 16, classes: 3, inputs: 2 },
    data: { kind: "spirals", noise: 0.05 },
    batch: 16,
    steps: 5,
    seed: 1,
    ...overrides,
  };
}

/** A fresh service on a new temporary directory; `done()` closes it and removes the directory. */
export async function tempService(
  options: Omit<ServiceOptions, "dataDir"> = {},
  dataDir?: string,
): Promise<TrainingService & { dataDir: string; done(): Promise<void> }> {
  const dir = dataDir ?? await mkdtemp(path.join(tmpdir(), "remat-service-"));
  const service = await trainingService({ token: "", ...options, dataDir: dir });
  return {
    ...service,
    dataDir: dir,
    async done() {
      await service.close();
      if (!dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A JSON request to the app. */
export function jsonRequest(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}

/** Polls `GET /v1/jobs/:id` through `fetcher` until the job is in a final state. */
export async function waitForJob(
  fetcher: (url: string) => Response | Promise<Response>,
  id: string,
  timeoutMs = 60_000,
): Promise<Record<string, any>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await (await fetcher(`/v1/jobs/${id}`)).json() as Record<string, unknown>;
    if (["succeeded", "failed", "cancelled", "interrupted"].includes(job.state as string)) return job;
    if (Date.now() > until) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One parsed Server-Sent Event. */
export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
  readonly id?: string;
}

/** Reads a whole SSE response body into its events (the stream must end). */
export async function readSse(res: Response): Promise<SseEvent[]> {
  const text = await res.text();
  const events: SseEvent[] = [];
  for (const block of text.split(/\n\n/)) {
    let event = "message", data = "", id: string | undefined;
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data += line.slice(5).trim();
      else if (line.startsWith("id:")) id = line.slice(3).trim();
    }
    if (data) events.push({ event, data: JSON.parse(data), ...(id === undefined ? {} : { id }) });
  }
  return events;
}

/** A listening server on 127.0.0.1 with an ephemeral port, under Deno or Bun. */
export interface Listener {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `fetch` on 127.0.0.1, port chosen by the system. */
export async function listen(fetch: (r: Request) => Response | Promise<Response>): Promise<Listener> {
  const g = globalThis as unknown as {
    Deno?: {
      serve(
        o: object,
        h: typeof fetch,
      ): { finished: Promise<void>; shutdown(): Promise<void>; addr: { port: number } };
    };
    Bun?: { serve(o: object): { port: number; stop(force?: boolean): Promise<void> | void } };
  };
  if (g.Deno) {
    const ready = Promise.withResolvers<number>();
    const server = g.Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }: { port: number }) => ready.resolve(port),
    }, fetch);
    const port = await ready.promise;
    return { url: `http://127.0.0.1:${port}`, close: () => server.shutdown() };
  }
  if (g.Bun) {
    const server = g.Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
    return { url: `http://127.0.0.1:${server.port}`, close: async () => void (await server.stop(true)) };
  }
  throw new Error("listen: neither Deno nor Bun");
}
