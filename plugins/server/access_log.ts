/**
 * The request log: one JSON line per request, written when the handler has answered (for a
 * Server-Sent Events stream, when the stream starts, not when it ends):
 * `{"ts":...,"level":"info","msg":"request","method":"GET","route":"/v1/jobs/:id",
 * "path":"/v1/jobs/job_1","status":200,"ms":1.2}`. 5xx answers are logged at level `error`;
 * `"aborted":true` marks a request whose client went away (or was timed out by the server)
 * before the answer, which it then never got.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { routeOf } from "./http_route.ts";
import type { LogSink } from "./json_log.ts";

/**
 * Middleware logging every request it wraps to `log`; mount it first (`app.use("*", ...)`) so
 * that answers from later middleware (401, 413) are logged too.
 * @param log where the lines go (see `logSink`)
 * @example
 * ```ts
 * app.use("*", accessLog(logEvent));
 * ```
 */
export function accessLog(log: LogSink): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const status = c.res.status;
    log({
      level: status >= 500 ? "error" : "info",
      msg: "request",
      method: c.req.method,
      route: routeOf(c),
      path: c.req.path,
      status,
      ms: Math.round((performance.now() - started) * 100) / 100,
      // the client went away or timed out first: the status above is what it never got
      ...(c.req.raw.signal?.aborted ? { aborted: true } : {}),
    });
  };
}
