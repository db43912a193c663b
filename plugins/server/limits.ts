/**
 * What the training service accepts: body size, stages, widths, batch, steps and the memory a
 * model needs (parameters, their gradients, optimizer state and the plan's predicted peak of
 * activations). A request over a limit is refused with the limit's name, the value and the cap.
 * @module
 */
import { type Chain, InvalidArgument, parameterCount } from "@remat/core";
import type { JobRequest, ModelSpec, PlanRequest } from "./job_types.ts";

/** The caps of one service; every value is a positive integer. */
export interface ServiceLimits {
  /** Largest request body, bytes; default 64 KiB. */
  readonly maxBodyBytes: number;
  /** Most stages of a model's chain (input and head stages included); default 256. */
  readonly maxStages: number;
  /** Widest layer: mlp width, hidden, inputs and classes, gpt dModel; default 4096. */
  readonly maxWidth: number;
  /** Largest batch; default 1024. */
  readonly maxBatch: number;
  /** Most optimizer steps of a job; default 100,000. */
  readonly maxSteps: number;
  /** Most bytes of parameters, parameter gradients, optimizer state and predicted peak activations; default 1 GiB (the reference 32-block MLP with AdamW needs about 260 MiB). */
  readonly maxModelBytes: number;
  /** Longest a plan or job request may take to plan (off the request loop), ms; default 5,000. */
  readonly maxPlanMs: number;
}

/**
 * The limits a service has unless told otherwise.
 * @example
 * ```ts
 * DEFAULT_LIMITS.maxStages; // 256
 * ```
 */
export const DEFAULT_LIMITS: ServiceLimits = Object.freeze({
  maxBodyBytes: 64 * 1024,
  maxStages: 256,
  maxWidth: 4096,
  maxBatch: 1024,
  maxSteps: 100_000,
  maxModelBytes: 1024 * 1024 * 1024,
  maxPlanMs: 5_000,
});

/** A limit a request is over. */
export interface LimitExceeded {
  /** The limit that was exceeded. */
  readonly limit: keyof ServiceLimits;
  /** The request's value. */
  readonly value: number;
  /** The limit's value. */
  readonly max: number;
  /** E.g. "model.depth: 300 stages exceeds the limit maxStages = 256". */
  readonly message: string;
}

/** Bytes of one parameter (f32). */
const PARAM_BYTES = 4;

/**
 * The default limits with `partial`'s values in their place.
 * @param partial the limits to change; each a positive integer
 * @throws InvalidArgument for an unknown limit or a value that is not a positive integer
 * @example
 * ```ts
 * resolveLimits({ maxSteps: 1000 }).maxSteps; // 1000
 * ```
 */
export function resolveLimits(partial: Partial<ServiceLimits> = {}): ServiceLimits {
  const names = Object.keys(DEFAULT_LIMITS);
  for (const [name, value] of Object.entries(partial)) {
    if (!names.includes(name)) {
      throw new InvalidArgument({ name: "limit", value: name, expected: `one of ${names.join(", ")}` });
    }
    if (value === undefined) continue;
    if (!(Number.isSafeInteger(value) && value >= 1)) {
      throw new InvalidArgument({ name: name, value, expected: "a positive integer" });
    }
  }
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  return Object.freeze({ ...DEFAULT_LIMITS, ...defined });
}

/** Stages of the chain a model spec builds: the input (or embedding) stage, the blocks, the head. */
function stagesOf(model: ModelSpec): { readonly field: string; readonly stages: number } {
  return model.kind === "mlp"
    ? { field: "model.depth", stages: model.depth + 2 }
    : { field: "model.layers", stages: model.layers + 2 };
}

function over(
  limit: keyof ServiceLimits,
  value: number,
  max: number,
  what: string,
): LimitExceeded | undefined {
  return value > max
    ? { limit, value, max, message: `${what} exceeds the limit ${limit} = ${max}` }
    : undefined;
}

/**
 * The first limit a request is over that needs no chain: stages, widths, batch and steps.
 * Check this before `buildChain`, so a huge depth is refused before its stages are built.
 * @param req a decoded plan or job request
 * @param limits the service's limits
 * @example
 * ```ts
 * checkRequestLimits({ model: { kind: "mlp", depth: 298, width: 64, hidden: 256, classes: 3, inputs: 2 }, strategy: { name: "sqrt" }, batch: 8 }, DEFAULT_LIMITS)
 *   ?.message; // "model.depth: 300 stages exceeds the limit maxStages = 256"
 * ```
 */
export function checkRequestLimits(
  req: PlanRequest | JobRequest,
  limits: ServiceLimits = DEFAULT_LIMITS,
): LimitExceeded | undefined {
  const { field, stages } = stagesOf(req.model);
  const m = req.model;
  const widths: Record<string, number> = m.kind === "mlp"
    ? { width: m.width, hidden: m.hidden, inputs: m.inputs, classes: m.classes }
    : { dModel: m.dModel };
  const steps = "steps" in req ? req.steps : 0;
  return over("maxStages", stages, limits.maxStages, `${field}: ${stages} stages`) ??
    Object.entries(widths).map(([k, v]) => over("maxWidth", v, limits.maxWidth, `model.${k}: ${v}`)).find((
      e,
    ) => e) ??
    over("maxBatch", req.batch, limits.maxBatch, `batch: ${req.batch}`) ??
    over("maxSteps", steps, limits.maxSteps, `steps: ${steps}`);
}

/**
 * Bytes a model needs to train: parameters, their gradients and the optimizer's state (2
 * tensors per parameter for AdamW, the default of a plan request; 1 for SGD), plus the
 * plan's predicted peak of activations.
 * @param req a decoded plan or job request
 * @param chain the chain built from `req`
 * @param predictedPeakBytes the plan's predicted peak activation bytes
 * @example
 * ```ts
 * const chain = mlp({ depth: 1, width: 2, hidden: 2, classes: 2, inputs: 2 }); // 24 parameters
 * trainingBytes(req, chain, 0); // 24 · 4 · (2 + 2) = 384 for AdamW
 * ```
 */
export function trainingBytes(
  req: PlanRequest | JobRequest,
  chain: Chain,
  predictedPeakBytes: number,
): number {
  const stateTensors = "optimizer" in req && req.optimizer.kind === "sgd" ? 1 : 2;
  return parameterCount(chain) * PARAM_BYTES * (2 + stateTensors) + predictedPeakBytes;
}

/**
 * The first limit a request is over, or undefined: those of `checkRequestLimits`, then the
 * chain's stage count and the model's bytes (`trainingBytes`). Pass 0 as the peak to check
 * the parameters before planning.
 * @param req a decoded plan or job request
 * @param chain the chain built from `req`
 * @param predictedPeakBytes the plan's predicted peak activation bytes
 * @param limits the service's limits
 * @example
 * ```ts
 * const exceeded = checkLimits(req, chain, plan.summary().predictedPeakBytes, DEFAULT_LIMITS);
 * if (exceeded) return c.json({ error: exceeded.message }, 413);
 * ```
 */
export function checkLimits(
  req: PlanRequest | JobRequest,
  chain: Chain,
  predictedPeakBytes: number,
  limits: ServiceLimits = DEFAULT_LIMITS,
): LimitExceeded | undefined {
  const n = chain.stages.length;
  const bytes = trainingBytes(req, chain, predictedPeakBytes);
  return over("maxStages", n, limits.maxStages, `${stagesOf(req.model).field}: ${n} stages`) ??
    checkRequestLimits(req, limits) ??
    over(
      "maxModelBytes",
      bytes,
      limits.maxModelBytes,
      `model: ${bytes} bytes of parameters, gradients, optimizer state and activations`,
    );
}
