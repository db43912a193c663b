/**
 * Optional bearer-token authentication: when a token is configured, a request must carry
 * `Authorization: Bearer <token>`. Tokens are compared through SHA-256 digests in constant
 * time, so the comparison leaks neither the token's length nor where it first differs.
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./http_errors.ts";

async function digest(s: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
}

/**
 * True when `a` equals `b`, in time independent of where they differ.
 * @example
 * ```ts
 * await constantTimeEqual("secret", "secret"); // true
 * ```
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/**
 * Middleware requiring `Authorization: Bearer <token>` (401 with `WWW-Authenticate` otherwise).
 * @param token the expected token (non-empty)
 * @example
 * ```ts
 * app.use("/v1/*", bearerAuth("s3cret"));
 * ```
 */
export function bearerAuth(token: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("Authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !(await constantTimeEqual(match[1]!.trim(), token))) {
      c.header("WWW-Authenticate", 'Bearer realm="remat"');
      const why = match ? "the bearer token does not match" : "send Authorization: Bearer <REMAT_TOKEN>";
      return errorResponse(c, 401, "Unauthorized", `authentication required: ${why}`);
    }
    await next();
  };
}
