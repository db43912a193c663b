/**
 * Serves a fetch handler (`(Request) => Response`, e.g. a Hono app's `fetch`) through
 * `node:http`: each `IncomingMessage` becomes a `Request` whose body streams the request's
 * bytes, and the `Response` is written back with backpressure, streamed bodies (Server-Sent
 * Events) flushed chunk by chunk. `node:http` is what gives Deno the connection timeouts its
 * `Deno.serve` lacks (see `listen.ts`).
 *
 * A client that goes away cancels the response body (so a Hono stream's `onAbort` runs) and
 * aborts the request's `signal`. A `Connection: close` header on the response closes the
 * connection once it is written, whatever is left unread of the request body. Hop-by-hop
 * headers of the response (`Connection`, `Keep-Alive`, `Transfer-Encoding`) are left to
 * `node:http`.
 * @module
 */
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

/** Answers one request, as `fetch` handlers do. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Response headers `node:http` sets itself. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding"]);

/** The request's URL: its path on `http://<Host>`, or on `http://localhost` when Host is unusable. */
function requestUrl(req: IncomingMessage): URL {
  const target = req.url ?? "/";
  if (/^https?:\/\//i.test(target)) return new URL(target); // absolute form, as sent to proxies
  const path = target.startsWith("/") ? target : "/";
  try {
    return new URL(`http://${req.headers.host ?? "localhost"}${path}`);
  } catch {
    return new URL(`http://localhost${path}`);
  }
}

/** The request body as a stream that pulls from `req` (paused between pulls). */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Uint8Array) => {
        if (done) return;
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once("end", () => {
        if (!done) controller.close();
        done = true;
      });
      req.once("error", (e) => {
        if (!done) controller.error(e);
        done = true;
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      // The handler wants no more (a body over the limit): stop reading. What is left unread
      // is node:http's to deal with when the response ends (dropped with the connection when
      // the response says Connection: close).
      done = true;
      req.pause();
    },
  }, { highWaterMark: 1 });
}

/**
 * The `Request` a `node:http` request stands for.
 * @param req the incoming request
 * @param signal aborted when the client goes away
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   const request = toRequest(req, new AbortController().signal);
 *   res.end(`${request.method} ${new URL(request.url).pathname}`);
 * });
 * ```
 */
export function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(requestUrl(req), {
    method,
    headers,
    signal,
    ...(hasBody ? { body: bodyStream(req), duplex: "half" } : {}),
  } as RequestInit);
}

/** Resolves once `res` can take more (`drain`) or is gone (`close`); true when it is gone. */
function drainedOrClosed(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const drain = () => {
      res.off("close", close);
      resolve(false);
    };
    const close = () => {
      res.off("drain", drain);
      resolve(true);
    };
    res.once("drain", drain);
    res.once("close", close);
  });
}

/** `read` if it settles before the next macrotask, else undefined (it stays pending). */
async function settledNow<T>(read: Promise<T>): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 0)));
  try {
    return await Promise.race([read, later]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Writes `response` to `res`: status, headers, then the body chunk by chunk with backpressure
 * (a body that is whole at once, one chunk, is sent with its `Content-Length`). Resolves once
 * it is all written or the client has gone (the body is then cancelled).
 * @param response what the handler answered
 * @param res where it goes
 * @example
 * ```ts
 * http.createServer((req, res) => void writeResponse(new Response("hi"), res));
 * ```
 */
export async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  if (res.destroyed) return void response.body?.cancel().catch(() => {}); // the client left already
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (!HOP_BY_HOP.has(name) && name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  if (/(^|,)\s*close\s*($|,)/i.test(response.headers.get("connection") ?? "")) {
    res.setHeader("Connection", "close");
  }
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.once("close", () => {
    if (!res.writableFinished) reader.cancel().catch(() => {}); // gone before the end
  });
  try {
    const first = await reader.read();
    if (first.done) return void res.end();
    // A body already whole (a string, bytes) ends at once: send it with its Content-Length.
    // A stream (Server-Sent Events) does not: send what came without waiting for more.
    const pending = reader.read();
    pending.catch(() => {}); // awaited below; a failure meanwhile is not unhandled
    const second = await settledNow(pending);
    if (second?.done) return void res.end(first.value);
    if (!res.write(first.value) && await drainedOrClosed(res)) return;
    for (let next = second ?? await pending; !next.done; next = await reader.read()) {
      if (res.destroyed) return;
      if (!res.write(next.value) && await drainedOrClosed(res)) return;
    }
    res.end();
  } catch (e) {
    // the body failed mid-way: the client must not take a truncated body for a whole one
    res.destroy(e instanceof Error ? e : new Error(String(e)));
  }
}

/**
 * A `node:http` request listener answering every request with `handler`. A request no
 * `Request` can stand for gets a plain 400; a handler that throws, a plain 500 (the Hono app
 * has its own error handler, so this is a last resort).
 * @param handler the fetch handler, e.g. a Hono app's `fetch`
 * @example
 * ```ts
 * import http from "node:http";
 * http.createServer(nodeListener(service.app.fetch)).listen(8787);
 * ```
 */
export function nodeListener(handler: FetchHandler): RequestListener {
  return (req, res) => {
    const abort = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) abort.abort(new Error("the client closed the connection"));
    });
    void (async () => {
      let request: Request;
      try {
        request = toRequest(req, abort.signal);
      } catch (e) {
        res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8", Connection: "close" });
        return void res.end(`bad request: ${e instanceof Error ? e.message : e}`);
      }
      let response: Response;
      try {
        response = await handler(request);
      } catch (e) {
        if (res.destroyed || req.socket.destroyed) return; // the client went away mid-request
        console.error("remat server: the handler failed:", e);
        if (res.headersSent) return void res.destroy();
        res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8", Connection: "close" });
        return void res.end("internal server error");
      }
      await writeResponse(response, res);
    })();
  };
}
