/**
 * The route a request matched, as its pattern (`/v1/jobs/:id`), never the raw path: what
 * metrics label requests with, so that the number of series stays bounded whatever paths
 * clients send.
 * @module
 */
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/** The route label of a request that matched no route (a 404 from `notFound`). */
export const UNMATCHED_ROUTE = "unmatched";

/**
 * The pattern of the route that handles `c`'s request: the last matched route registered for
 * a method (`app.get`, `app.post`, ...), or {@link UNMATCHED_ROUTE} when only middleware
 * (`app.use`, registered for every method) matched. Call it in a middleware, before or after
 * `await next()`.
 * @example
 * ```ts
 * app.use("*", async (c, next) => {
 *   await next();
 *   console.log(routeOf(c)); // "/v1/jobs/:id" for GET /v1/jobs/job_123
 * });
 * ```
 */
export function routeOf(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    if (routes[i]!.method !== "ALL") return routes[i]!.path;
  }
  return UNMATCHED_ROUTE;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]);

/**
 * A request method as a bounded label: the standard methods as they are, any other `OTHER`.
 * @example
 * ```ts
 * methodLabel("GET"); // "GET"
 * methodLabel("BREW"); // "OTHER"
 * ```
 */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : "OTHER";
}
