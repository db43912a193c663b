/**
 * What a strategy returns: a plan that can summarise itself under the profile it was made for.
 * @module
 */
import {
  type Plan,
  type PlanSummary,
  type PlanTarget,
  type Profile,
  summarizePlan,
  type TapePolicy,
} from "@remat/core";
import { emitSchedule, type Schedule } from "./schedule.ts";

/** A plan made by a strategy, with `summary()` (predicted peak, time, forward counts, listing). */
export interface StrategyPlan extends Plan {
  /** The plan's predicted peak, time, forward counts and listing under its profile (computed once). */
  summary(): PlanSummary;
}

/**
 * Attaches a non-enumerable `summary()` to a plan, so the plan still serialises as plain data,
 * and records what the profile was made for (`madeFor`), so the plan runs on nothing else.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile, storeAllPlan } from "@remat/core";
 * import { withSummary } from "@remat/strategies";
 * const chain = mlp({ depth: 4, width: 32, hidden: 64, classes: 10 });
 * const plan = withSummary(storeAllPlan(chain.stages.length), staticProfile(chain, 16));
 * console.log(plan.summary().predictedPeakBytes, JSON.stringify(plan).includes("summary")); // ..., false
 * ```
 */
export function withSummary(plan: Plan, profile: Profile): StrategyPlan {
  let cached: PlanSummary | undefined;
  const madeFor: PlanTarget = {
    chain: profile.chain,
    batch: profile.batch,
    outputBytes: profile.stages.map((s) => s.outputBytes),
    ...(profile.userKernels?.length ? { kernels: profile.userKernels } : {}),
  };
  return Object.defineProperty({ ...plan, madeFor }, "summary", {
    value: () => (cached ??= summarizePlan(plan, profile)),
    enumerable: false,
  }) as StrategyPlan;
}

/**
 * Emits a schedule for the profile's chain and attaches the summary.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { checkpointSchedule, planOf } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const plan = planOf(checkpointSchedule([9], profile.stages.length), profile, "checkpoint x9");
 * ```
 */
export function planOf(schedule: Schedule, profile: Profile, strategy: string): StrategyPlan {
  return withSummary(emitSchedule(schedule, profile.stages.length, strategy), profile);
}

/**
 * `plan` with every recorded forward under tape `policy` (see `@remat/core`'s tape policies):
 * the same schedule, each tape partial. Its summary uses the profile's modes for the policy.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { storeAll, withTapePolicy } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 4, width: 32, hidden: 64, classes: 3 }), 8);
 * const lean = withTapePolicy(storeAll(profile), "saveMatmuls", profile);
 * console.log(lean.summary().predictedPeakBytes);
 * ```
 */
export function withTapePolicy(plan: Plan, policy: TapePolicy, profile: Profile): StrategyPlan {
  const instructions = plan.instructions.map((ins) =>
    ins.op === "forward" && ins.record ? { ...ins, policy } : ins
  );
  return withSummary({ ...plan, strategy: `${plan.strategy}, ${policy} tapes`, instructions }, profile);
}
