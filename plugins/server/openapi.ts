/**
 * The OpenAPI 3.1 document of the service. Request body schemas are generated from the same
 * Effect Schemas that validate the requests, so the document cannot drift from the checks.
 * @module
 */
import { Schema } from "effect";
import type { ServiceLimits } from "./limits.ts";
import { JobRequestSchema, PlanRequestSchema } from "./request_schema.ts";

const errorBody = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["status", "tag", "message"],
      properties: { status: { type: "integer" }, tag: { type: "string" }, message: { type: "string" } },
    },
  },
};

const json = (schema: unknown) => ({ "application/json": { schema } });
const error = (description: string) => ({
  description,
  content: json({ $ref: "#/components/schemas/Error" }),
});
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };

/**
 * The OpenAPI document, with the service's limits in the descriptions.
 * @param limits the limits this service enforces
 * @example
 * ```ts
 * const doc = openApiDocument(DEFAULT_LIMITS);
 * console.log(Object.keys(doc.paths));
 * ```
 */
export function openApiDocument(
  limits: ServiceLimits,
): Record<string, unknown> & { paths: Record<string, unknown> } {
  const plan = Schema.toJsonSchemaDocument(PlanRequestSchema);
  const job = Schema.toJsonSchemaDocument(JobRequestSchema);
  const common = {
    "400": error("malformed JSON or invalid fields: every field issue is listed in error.issues"),
    "401": error("REMAT_TOKEN is set and the bearer token is missing or wrong"),
    "413": error(`a limit was exceeded (error.limit names it): ${JSON.stringify(limits)}`),
    "415": error("the body is not application/json"),
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "remat training service",
      version: "0.1.0",
      description: "Plans and trains remat models under a memory budget.",
    },
    components: {
      schemas: {
        Error: errorBody,
        PlanRequest: plan.schema,
        JobRequest: job.schema,
        ...plan.definitions,
        ...job.definitions,
      },
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    security: [{ bearer: [] }, {}],
    paths: {
      "/healthz": {
        get: {
          summary: "liveness, queue length and live buffer bytes",
          responses: { "200": { description: "ok" } },
        },
      },
      "/v1/plans": {
        post: {
          summary: "the plan a strategy makes for a model at a budget, without training",
          requestBody: { required: true, content: json({ $ref: "#/components/schemas/PlanRequest" }) },
          responses: {
            "200": { description: "the plan summary: predicted peak bytes, overhead, forwards per stage" },
            ...common,
            "422": error("no plan fits the budget: error.smallestFeasibleBytes says what would"),
          },
        },
      },
      "/v1/jobs": {
        post: {
          summary: "queue a training job",
          requestBody: { required: true, content: json({ $ref: "#/components/schemas/JobRequest" }) },
          responses: {
            "202": { description: "queued: the job record, with its URL in Location" },
            ...common,
            "422": error("the budget is infeasible or the request cannot be built"),
            "429": error("the queue is full; Retry-After says when to try again"),
          },
        },
        get: { summary: "every job, oldest first", responses: { "200": { description: "{ jobs: [...] }" } } },
      },
      "/v1/jobs/{id}": {
        parameters: [idParam],
        get: {
          summary: "a job's state, progress, last loss, step time, peak bytes and error",
          responses: { "200": { description: "the job" }, "404": error("no such job") },
        },
        delete: {
          summary: "cancel a queued or running job",
          responses: {
            "200": { description: "the cancelled job" },
            "404": error("no such job"),
            "409": error("the job already finished"),
          },
        },
      },
      "/v1/jobs/{id}/events": {
        parameters: [idParam],
        get: {
          summary: "Server-Sent Events: `state` first, one `step` per training step, then `final`",
          responses: { "200": { description: "text/event-stream" }, "404": error("no such job") },
        },
      },
      "/v1/jobs/{id}/metrics": {
        parameters: [idParam],
        get: {
          summary: "every step's loss, time and peak bytes",
          responses: {
            "200": {
              description:
                "{ metrics: [...], skipped?: [{ line, reason }] } (skipped: lines of the metrics file " +
                "that are not step metrics, left out)",
            },
            "404": error("no such job"),
          },
        },
      },
      "/v1/jobs/{id}/weights": {
        parameters: [idParam],
        get: {
          summary: "the trained parameters in the safetensors format",
          responses: {
            "200": {
              description: "application/octet-stream (safetensors), with Content-Length, " +
                'ETag "sha256-<hex>" and Repr-Digest sha-256=:<base64>:',
            },
            "404": error("no such job"),
            "409": error(
              "NoWeights: the job has not succeeded, so there are no weights; WeightsCorrupt: the stored " +
                "file no longer matches the size and SHA-256 recorded when it was saved (expected and actual " +
                "in the body), or, for a corrupt record, is not a valid safetensors file",
            ),
          },
        },
      },
    },
  };
}
