/**
 * Admission of a plan or job request: build its chain and plan and check them against the
 * service limits, as plain data (so it can run in a worker and cross back by message). An
 * impossible job is refused at submission rather than failing later.
 * @module
 */
import { BudgetInfeasible, isRematError } from "@remat/core";
import { buildChain, buildPlan, modelBytes, type PlanSummaryJson, planSummaryJson } from "./job_build.ts";
import type { PlanRequest } from "./job_types.ts";
import { checkLimits, checkRequestLimits, type LimitExceeded, type ServiceLimits } from "./limits.ts";

/**
 * The outcome of checking a request: accepted with its model's name and plan summary, over a
 * limit, or refused with remat's typed error (a budget no plan fits, an invalid option).
 *
 * @example
 * ```ts
 * import type { PlanCheck } from "@remat/server";
 * const status = (c: PlanCheck) => c.kind === "ok" ? 200 : c.kind === "limit" ? 413 : 422;
 * ```
 */
export type PlanCheck =
  | { readonly kind: "ok"; readonly model: string; readonly summary: PlanSummaryJson }
  | { readonly kind: "limit"; readonly over: LimitExceeded }
  | {
    readonly kind: "refused";
    readonly tag: string;
    readonly message: string;
    readonly details?: Readonly<Record<string, number>>;
  };

/**
 * Builds and checks `req` against `limits`; throws only what is not one of remat's typed errors.
 * @example
 * ```ts
 * const check = checkPlanRequest({ model, strategy: { name: "sqrt" }, batch: 8 }, DEFAULT_LIMITS);
 * ```
 */
export function checkPlanRequest(req: PlanRequest, limits: ServiceLimits): PlanCheck {
  const early = checkRequestLimits(req, limits); // before building: a depth of 1e9 must not be built
  if (early) return { kind: "limit", over: early };
  try {
    const chain = buildChain(req);
    const stagesOver = checkLimits(req, chain, 0, limits);
    if (stagesOver) return { kind: "limit", over: stagesOver };
    const plan = buildPlan(req, chain);
    const over = checkLimits(req, chain, modelBytes(req, chain, plan), limits);
    if (over) return { kind: "limit", over };
    return { kind: "ok", model: chain.name, summary: planSummaryJson(plan) };
  } catch (e) {
    if (e instanceof BudgetInfeasible) {
      return {
        kind: "refused",
        tag: e._tag,
        message: e.message,
        details: { requestedBytes: e.requestedBytes, smallestFeasibleBytes: e.smallestFeasibleBytes },
      };
    }
    if (isRematError(e)) return { kind: "refused", tag: e._tag, message: e.message };
    throw e;
  }
}
