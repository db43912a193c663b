/**
 * @remat/strategies — checkpointing strategies, each a pure function (profile, options) → plan.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { sqrt } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const plan = sqrt(profile);
 * console.log(plan.summary().predictedPeakBytes);
 * ```
 * @module
 */
export * from "./schedule.ts";
export * from "./strategy.ts";
export * from "./store_all.ts";
export * from "./uniform.ts";
export * from "./sqrt.ts";
export * from "./revolve.ts";
export * from "./budget.ts";
export { FamilyBudgetInfeasible, type LowerElsewhere } from "./budget_infeasible.ts";
export * from "./optimal.ts";

/** Types of @remat/core that appear in this package's signatures, re-exported so its docs are complete. */
export type {
  BudgetInfeasible,
  BudgetInfeasibleBase,
  Instruction,
  Plan,
  PlanSummary,
  PlanTarget,
  Profile,
  StageMode,
  StageProfile,
  TaggedErrorClass,
  TapePolicy,
} from "@remat/core";
