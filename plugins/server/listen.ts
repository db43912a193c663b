/**
 * Serves a fetch handler on a TCP port with connection timeouts, under Deno, Bun or Node:
 *
 * - the idle timeout (default 10 s) closes a keep-alive connection on which no new request
 *   has started for that long;
 * - the request timeout (default 30 s) closes a connection that has not sent a complete
 *   request (headers and body) that long after it started sending one, so that connections
 *   that send nothing, half a request or a byte now and then cannot hold sockets forever.
 *
 * A response with `Connection: close` (the service's 413 for a body over the limit) closes
 * the connection once written.
 *
 * Under Deno and Node the handler is served through `node:http` (see `node_fetch.ts`):
 * `Deno.serve` has no timeout options and keeps such connections open indefinitely, while
 * Deno's `node:http` honours `keepAliveTimeout`, `headersTimeout` and `requestTimeout`
 * (answering `408` to a late request). An idle keep-alive connection closes within about a
 * second after the idle timeout (node:http adds a second of grace), a late request within
 * a second after the request timeout (the check runs every second). A slow handler or a long
 * response (Server-Sent Events) is not cut: both timeouts only cover the client's side.
 *
 * Under Bun it is `Bun.serve`, whose single `idleTimeout` (seconds, at most 255; enforced in
 * steps of about 4 s) is set to the idle timeout. It covers any silence on the connection,
 * a slow handler's included; Bun closes connections that have not sent a complete request
 * after about 10 s whatever the request timeout says (measured with Bun 1.4: 12 s). Event
 * streams (`Content-Type: text/event-stream`) are exempted from the idle timeout, since a job
 * can go longer than that between steps, and get `Connection: close`, so that the connection
 * ends with the stream.
 * @module
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type FetchHandler, nodeListener } from "./node_fetch.ts";

/**
 * Seconds a keep-alive connection may stay idle between requests, by default.
 * @example
 * ```ts
 * await listen(app.fetch, { idleTimeoutSeconds: DEFAULT_IDLE_TIMEOUT_S });
 * ```
 */
export const DEFAULT_IDLE_TIMEOUT_S = 10;

/**
 * Seconds a client has to send a whole request (headers and body), by default.
 * @example
 * ```ts
 * await listen(app.fetch, { requestTimeoutSeconds: DEFAULT_REQUEST_TIMEOUT_S });
 * ```
 */
export const DEFAULT_REQUEST_TIMEOUT_S = 30;

/** Options of {@link listen}. */
export interface ListenOptions {
  /** The interface to listen on; default `127.0.0.1`. */
  readonly hostname?: string;
  /** The port; default 8787; 0 lets the system choose (see {@link ServiceServer.port}). */
  readonly port?: number;
  /** Seconds a keep-alive connection may stay idle; default {@link DEFAULT_IDLE_TIMEOUT_S}. */
  readonly idleTimeoutSeconds?: number;
  /** Seconds a client has to send a whole request; default {@link DEFAULT_REQUEST_TIMEOUT_S}. */
  readonly requestTimeoutSeconds?: number;
}

/** A listening server. */
export interface ServiceServer {
  /** `http://<hostname>:<port>`. */
  readonly url: string;
  /** The interface it listens on. */
  readonly hostname: string;
  /** The port it listens on (the chosen one when asked for 0). */
  readonly port: number;
  /** What serves the connections: `node:http` under Deno and Node, `Bun.serve` under Bun. */
  readonly engine: "node:http" | "Bun.serve";
  /**
   * Stops accepting connections and closes idle ones; resolves when the open ones have
   * finished their requests, or at once with `force`, which closes them all.
   */
  close(force?: boolean): Promise<void>;
}

/** What this module uses of Bun's server (Bun has no types in this repository). */
interface BunServer {
  readonly port: number;
  readonly hostname: string;
  timeout(request: Request, seconds: number): void;
  stop(force?: boolean): Promise<void> | void;
}

/** What this module uses of `Bun.serve`. */
interface BunServe {
  serve(options: {
    hostname: string;
    port: number;
    idleTimeout: number;
    fetch: (request: Request, server: BunServer) => Response | Promise<Response>;
  }): BunServer;
}

function seconds(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`listen: ${name}: got ${value}; expected a positive number of seconds`);
  }
  return value;
}

function urlOf(hostname: string, port: number): string {
  return `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/**
 * Serves `handler` on `hostname:port` with the idle and request timeouts described above.
 * @param handler the fetch handler, e.g. a Hono app's `fetch`
 * @param options where to listen, and the timeouts
 * @example
 * ```ts
 * const service = await trainingService({ dataDir: "./remat-data" });
 * const server = await listen(service.app.fetch, { port: 8787, idleTimeoutSeconds: 10 });
 * console.log(server.url); // http://127.0.0.1:8787
 * await server.close();
 * ```
 */
export async function listen(handler: FetchHandler, options: ListenOptions = {}): Promise<ServiceServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const port = options.port ?? 8787;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`listen: port: got ${port}; expected an integer in 0..65535`);
  }
  const idle = seconds("idleTimeoutSeconds", options.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_S);
  const request = seconds(
    "requestTimeoutSeconds",
    options.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_S,
  );
  const bun = (globalThis as { Bun?: BunServe }).Bun;
  return bun
    ? listenBun(bun, handler, hostname, port, idle)
    : await listenNode(handler, hostname, port, idle, request);
}

/** True for a Server-Sent Events response. */
function isEventStream(response: Response): boolean {
  return /^text\/event-stream\b/i.test(response.headers.get("content-type") ?? "");
}

function listenBun(
  bun: BunServe,
  handler: FetchHandler,
  hostname: string,
  port: number,
  idle: number,
): ServiceServer {
  const idleTimeout = Math.ceil(idle);
  if (idleTimeout > 255) {
    throw new RangeError(`listen: idleTimeoutSeconds: got ${idle}; Bun.serve allows at most 255`);
  }
  const server = bun.serve({
    hostname,
    port,
    idleTimeout,
    async fetch(request, server) {
      const response = await handler(request);
      if (!isEventStream(response)) return response;
      server.timeout(request, 0); // a stream may be quiet longer than the idle timeout
      const headers = new Headers(response.headers);
      headers.set("Connection", "close"); // ... but the connection ends with it
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    },
  });
  return {
    url: urlOf(server.hostname, server.port),
    hostname: server.hostname,
    port: server.port,
    engine: "Bun.serve",
    close: async (force = false) => void await server.stop(force),
  };
}

async function listenNode(
  handler: FetchHandler,
  hostname: string,
  port: number,
  idle: number,
  request: number,
): Promise<ServiceServer> {
  const idleMs = Math.round(idle * 1000), requestMs = Math.round(request * 1000);
  const server = http.createServer({
    keepAliveTimeout: idleMs,
    headersTimeout: requestMs,
    requestTimeout: requestMs,
    // how often late requests are looked for (node's default, 30 s, would double a 30 s timeout)
    connectionsCheckingInterval: Math.min(1000, Math.max(100, Math.round(requestMs / 4))),
  }, nodeListener(handler));
  server.keepAliveTimeout = idleMs;
  server.headersTimeout = requestMs;
  server.requestTimeout = requestMs;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host: hostname }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: urlOf(hostname, address.port),
    hostname,
    port: address.port,
    engine: "node:http",
    close: (force = false) =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        if (force) server.closeAllConnections();
      }),
  };
}
