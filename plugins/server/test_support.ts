/**
 * Helpers for the service's tests and load script: a service on a fresh temporary data
 * directory, tiny job requests, a real listener on 127.0.0.1 under Deno or Bun, an SSE
 * reader, and a raw TCP client for connection-level checks.
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ServiceOptions, type TrainingService, trainingService } from "./app.ts";
import { listen as serve, type ListenOptions } from "./listen.ts";

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

/**
 * A fresh service on a new temporary directory, its logs off unless `options.log` says
 * otherwise; `done()` closes it and removes the directory.
 */
export async function tempService(
  options: Omit<ServiceOptions, "dataDir"> = {},
  dataDir?: string,
): Promise<TrainingService & { dataDir: string; done(): Promise<void> }> {
  const dir = dataDir ?? await mkdtemp(path.join(tmpdir(), "remat-service-"));
  const service = await trainingService({ token: "", log: false, ...options, dataDir: dir });
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

/**
 * Serves `fetch` on 127.0.0.1, port chosen by the system, as the service is served (`listen.ts`:
 * node:http under Deno, Bun.serve under Bun); `close()` closes every connection.
 */
export async function listen(
  fetch: (r: Request) => Response | Promise<Response>,
  options: Omit<ListenOptions, "hostname" | "port"> = {},
): Promise<Listener> {
  const server = await serve(fetch, { ...options, hostname: "127.0.0.1", port: 0 });
  return { url: server.url, close: () => server.close(true) };
}

/** What a raw TCP client saw: the bytes it got, and when (ms after connecting). */
export interface RawExchange {
  /** Everything the server sent, as text. */
  readonly text: string;
  /** When the first byte came; undefined when none did. */
  readonly firstByteMs?: number;
  /** When the server closed the connection; undefined when it was still open at `waitMs`. */
  readonly closedMs?: number;
}

/**
 * Opens a TCP connection to `url`'s host and port, writes `send` (then each of `drip`'s
 * characters every `dripEveryMs`), and reports what came back until the server closes the
 * connection or `waitMs` pass.
 */
export function rawExchange(
  url: string,
  options: { send?: string; drip?: string; dripEveryMs?: number; waitMs: number },
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const since = () => Math.round(performance.now() - started);
    let text = "", firstByteMs: number | undefined;
    const socket = net.connect(Number(port), hostname, () => {
      if (options.send) socket.write(options.send);
    });
    const drip = [...(options.drip ?? "")];
    const dripping = setInterval(() => {
      if (drip.length > 0 && !socket.destroyed) socket.write(drip.shift()!);
    }, options.dripEveryMs ?? 200);
    const finish = (closedMs: number | undefined) => {
      clearInterval(dripping);
      clearTimeout(giveUp);
      resolve({
        text,
        ...(firstByteMs === undefined ? {} : { firstByteMs }),
        ...(closedMs === undefined ? {} : { closedMs }),
      });
    };
    const giveUp = setTimeout(() => {
      socket.removeAllListeners("close");
      socket.destroy();
      finish(undefined);
    }, options.waitMs);
    socket.on("data", (d: Uint8Array) => {
      firstByteMs ??= since();
      text += new TextDecoder().decode(d);
    });
    socket.on("error", () => {}); // a reset is a close too
    socket.once("close", () => finish(since()));
  });
}
