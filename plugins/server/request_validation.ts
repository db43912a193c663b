/**
 * Request bodies: JSON only, validated by a Standard Schema (Effect Schema underneath)
 * through `@hono/standard-validator`, cross-field rules included. Every problem is found at
 * once and reported as one 400 listing each field (its path, what was wrong, what is valid), up
 * to 20 of them; the body counts the rest, so a body of thousands of bad keys gets a small answer.
 * @module
 */
import { sValidator } from "@hono/standard-validator";
import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./http_errors.ts";
import { type FieldIssue, issuesFromStandard } from "./request_schema.ts";
import type { PlanRequest } from "./job_types.ts";
import type { StandardSchemaV1 } from "effect/StandardSchema";

/** Issues listed in a 400's `issues`; the rest are only counted, so the answer stays small. */
const MAX_LISTED = 20;
/** Issues spelled out in a 400's `message`. */
const MAX_IN_MESSAGE = 5;

/**
 * Responds 400 with the field issues: the first `MAX_LISTED` in `issues`, the first
 * `MAX_IN_MESSAGE` in the message, and the counts in `issuesTotal` and `issuesOmitted`.
 */
function invalid(c: Parameters<MiddlewareHandler>[0], issues: ReadonlyArray<FieldIssue>): Response {
  const shown = issues.slice(0, MAX_IN_MESSAGE).map((i) => i.message); // each message starts with its path
  const more = issues.length - shown.length;
  const list = shown.join("; ") + (more > 0 ? `; … and ${more} more` : "");
  const listed = issues.slice(0, MAX_LISTED);
  return errorResponse(c, 400, "InvalidRequest", `the request body is invalid: ${list}`, {
    issues: listed,
    issuesTotal: issues.length,
    issuesOmitted: issues.length - listed.length,
  });
}

/** Rejects a body that is not declared as JSON (415), so it is never read as an empty object. */
export const requireJson: MiddlewareHandler = async (c, next) => {
  const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    return errorResponse(
      c,
      415,
      "UnsupportedMediaType",
      `Content-Type: got "${type || "(none)"}"; expected application/json`,
    );
  }
  await next();
};

/**
 * Validates the JSON body against `schema` (fields, then cross-field rules); the handler reads
 * the result with `c.req.valid("json")`.
 * @param schema a Standard Schema of the body
 * @example
 * ```ts
 * app.post("/v1/plans", requireJson, validBody(planRequestStandard), (c) => c.json(c.req.valid("json")));
 * ```
 */
export function validBody<T extends PlanRequest>(schema: StandardSchemaV1<unknown, T>) {
  return sValidator("json", schema, (result, c) => {
    // the hook sees the raw body; cross-field rules run inside the schema, after the fields
    if (!result.success) return invalid(c, issuesFromStandard(result.error));
  });
}
