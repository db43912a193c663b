/**
 * The one error body every route returns: `{ error: { status, tag, message, ...details } }`,
 * where `message` says what was wrong, the value seen and what is valid.
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** A JSON error response. */
export interface ErrorBody {
  readonly error: {
    readonly status: number;
    readonly tag: string;
    readonly message: string;
    readonly [detail: string]: unknown;
  };
}

/**
 * Responds with an error body.
 * @param c the request context
 * @param status the HTTP status
 * @example
 * ```ts
 * app.get("/x", (c) => errorResponse(c, 404, "NotFound", "no such thing"));
 * ```
 */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  tag: string,
  message: string,
  details: Readonly<Record<string, unknown>> = {},
): Response {
  const body: ErrorBody = { error: { ...details, status, tag, message } };
  return c.json(body, status);
}
