/**
 * What a strategy returns: a plan that can summarise itself under the profile it was made for.
 * @module
 */
import { type Plan, type PlanSummary, type Profile, summarizePlan } from "@remat/core";
import { emitSchedule, type Schedule } from "./schedule.ts";

/** A plan made by a strategy, with `summary()` (predicted peak, time, forward counts, listing). */
export interface StrategyPlan extends Plan {
  summary(): PlanSummary;
}

/** Attaches a non-enumerable `summary()` to a plan, so the plan still serialises as plain data. */
export function withSummary(plan: Plan, profile: Profile): StrategyPlan {
  let cached: PlanSummary | undefined;
  return Object.defineProperty({ ...plan }, "summary", {
    value: () => (cached ??= summarizePlan(plan, profile)),
    enumerable: false,
  }) as StrategyPlan;
}

/** Emits a schedule for the profile's chain and attaches the summary. */
export function planOf(schedule: Schedule, profile: Profile, strategy: string): StrategyPlan {
  return withSummary(emitSchedule(schedule, profile.stages.length, strategy), profile);
}
