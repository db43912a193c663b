/**
 * optimal: the fastest plan of the Schedule class under a byte budget — Beaumont et al.'s
 * dynamic program (rotor, Inria RR-9302) over segments [i, l] and free memory, for
 * heterogeneous stages and any depth of recomputation. Memory is the exact model of
 * `predictPlan` (see "The memory model" below), so the plan's predicted peak is the
 * program's own peak, and fits the budget.
 *
 * The memory model. A segment [i, l] (l = n: up to and including the loss) starts with x_i
 * and g_{l+1} live; its peak extra P is the highest live total above that start. With
 * a_k = bytes of x_k (a_0 = a_{n+1} = 0: the batch is not counted), t_i the tape's bytes,
 * ē_i = a_i·(1 − tapeHoldsInput_i) what freeing x_i frees once tape i exists, and h_i =
 * tapeHoldsOutput_i:
 * - loss [n, n]: max(lossPeak, a_n).
 * - single [i, i]: max(pfr_i, t_i + a_{i+1}, t_i − ē_i + h_i·a_{i+1} + pb_i).
 * - chain at i: max(pfr_i, t_i + a_{i+1}, t_i + a_{i+1} − ē_i + P(rest),
 *   t_i + a_{i+1} − ē_i + h_i·a_{i+1} − a_{l+1} + pb_i); the rest gets m − (t_i + a_{i+1} − ē_i).
 * - leaf at j: max(pfn_i, a_{i+1}, a_k + max(pfn_k, a_{k+1}) for i < k < j, a_j + P(tail),
 *   a_j − a_{l+1} + P(head)); the tail gets m − a_j, the head m − a_j + a_{l+1}.
 * One refinement over the textbook recurrences: a segment's start can be *pinned*, kept
 * counted by the tape of the stage before it after the segment frees its slot (a chain's
 * rest starts with x_{i+1}, which tape i holds when h_i; a leaf's head inherits its
 * segment's pin). A pinned segment frees nothing when it frees x_i (ē_i becomes 0) and ends
 * with x_i still counted (one more candidate, a_i − a_{l+1}, after its last backward).
 * Pinned and unpinned segments only differ when ē_i > 0 or pb_i + t_i + a_{i+1}(1 + h_i) <
 * a_i, which no profile of the model zoo has; the pinned table rows are only built where
 * they differ. The extra state after every instruction is a candidate too (a_{i+1},
 * a_k + a_{k+1}, a_n), so the model equals `predictPlan` for every profile with
 * nonnegative bytes, physical or not.
 *
 * Time: loss = its time; single = f_i + b_i; chain = f_i + b_i + C(rest); leaf =
 * Σ_{i≤k<j} f_k + C(tail) + C(head) — `predictPlan`'s time up to float summation order.
 *
 * Discretisation: budgets are counted in units of u bytes. Every size is rounded up and
 * every budget offset (+a_{l+1}, −ē_i) is folded into one rounded-up usage, so a plan the
 * program accepts at the budget's index fits: its exact peak ≤ (index)·u ≤ bytes. When u
 * divides every byte quantity of the profile (u = their gcd) the program is exact: it finds
 * the fastest plan of the class, and a larger budget is never slower. u is the gcd when
 * that needs few enough units (about a second of work, at least 500), else ⌈bytes / 500⌉
 * (or ⌈bytes / slots⌉ when `slots` is given). With such inexact units the rounding, summed
 * over the levels of a schedule, overstates peaks, so the table is filled 10% past the
 * budget and the largest index whose schedule's exact peak fits is taken; and near the
 * smallest feasible budget, where the rounded program can find nothing, the least-peak
 * schedule (which always fits) is returned. Inexact units are approximate: the plan fits,
 * but may be slower than the class's best, and not monotone in the budget.
 * @module
 */
import { BudgetInfeasible, InvalidArgument, predictPlan, type Profile } from "@remat/core";
import { checkBudgetBytes } from "./budget_bytes.ts";
import { emitSchedule, type Schedule } from "./schedule.ts";
import { planOf, type StrategyPlan } from "./strategy.ts";
import { type Granularity, Model } from "./optimal_model.ts";
import { solve, unitFor } from "./optimal_time_program.ts";

/** Options of `optimal`. */
export interface OptimalOptions {
  /** Activation budget in bytes, a whole number ≥ 1: the plan's predicted peak stays at or below it. */
  readonly bytes: number;
  /**
   * Memory units the budget is cut into (u = ⌈bytes / slots⌉). Omitted: exact units (the
   * gcd of the profile's byte sizes) when affordable, else 500.
   */
  readonly slots?: number;
  /**
   * "op" (default): each taped stage keeps its whole tape or a partial one under a tape
   * policy the profile measured (`StageProfile.modes`), whichever makes the plan fastest;
   * "stage": whole tapes only.
   */
  readonly granularity?: Granularity;
}

export type { Granularity } from "./optimal_model.ts";

/** What `optimalSchedule` found. */
export interface OptimalResult {
  /** The schedule found (emit it with `emitSchedule`). */
  readonly schedule: Schedule;
  /** The schedule's peak under the model (= `predictPlan`'s peak of its plan). */
  readonly peakBytes: number;
  /** The program's time for the schedule (= `predictPlan`'s time up to summation order). */
  readonly time: number;
  /** Bytes per memory unit used by the program. */
  readonly unitBytes: number;
  /** Units the budget was counted in. */
  readonly units: number;
  /** True when the unit divides every byte size: then the schedule is the fastest of the class. */
  readonly exact: boolean;
  /**
   * Where the schedule came from: store-all (the budget allows no recomputation), the
   * program, or the least-peak schedule (faster than, or found where, the rounded program
   * found nothing better). Units are 0 when the program did not run.
   */
  readonly via: "storeAll" | "program" | "leastPeak";
}

/** Default number of units when exact units are unaffordable. */
export { OPTIMAL_DEFAULT_SLOTS } from "./optimal_time_program.ts";

/**
 * The fastest plan of the Schedule class whose predicted peak is at most `options.bytes`.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { optimal, optimalSmallestBytes } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const plan = optimal(profile, { bytes: 2 * optimalSmallestBytes(profile) });
 * console.log(plan.summary().predictedTime);
 * ```
 */
export function optimal(profile: Profile, options: OptimalOptions): StrategyPlan {
  const { schedule } = optimalSchedule(profile, options);
  const extra = [
    ...(options.slots === undefined ? [] : [`slots=${options.slots}`]),
    ...(options.granularity === "stage" ? ["granularity=stage"] : []),
  ];
  const name = `optimal(${[`bytes=${options.bytes}`, ...extra].join(", ")})`;
  return planOf(schedule, profile, name);
}

/**
 * The schedule `optimal` emits, with its model peak and time. Throws `BudgetInfeasible`
 * (with the class's exact smallest peak) when no schedule fits.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { emitSchedule, optimalSchedule, optimalSmallestBytes } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const found = optimalSchedule(profile, { bytes: 2 * optimalSmallestBytes(profile) });
 * const plan = emitSchedule(found.schedule, profile.stages.length, "optimal");
 * console.log(found.peakBytes, found.via);
 * ```
 */
export function optimalSchedule(profile: Profile, options: OptimalOptions): OptimalResult {
  const { bytes, slots, granularity } = checkOptions(profile, options);
  const m = new Model(profile, granularity);
  const n = m.n;
  unitFor(m, bytes, slots); // rejects a table too large to allocate
  const smallest = m.minPeak();
  if (smallest > bytes) {
    throw new BudgetInfeasible({
      strategy: "optimal",
      requestedBytes: bytes,
      smallestFeasibleBytes: smallest,
    });
  }
  // Enough memory for no recomputation: store-all is the fastest of all plans.
  const all = chainAllSchedule(0, n);
  const allPeak = m.peakOf(all);
  if (allPeak <= bytes) {
    return {
      schedule: all,
      peakBytes: allPeak,
      time: m.timeOf(all),
      unitBytes: 0,
      units: 0,
      exact: true,
      via: "storeAll",
    };
  }
  // The program's plan fits by construction (sizes rounded up, budgets down) and the model
  // equals predictPlan (tested on every schedule of small chains), so this check only fails
  // if the two drift apart (a change to predictPlan's accounting, or a byte the profile does
  // not report). Then the internal budget is lowered by the excess and the program rerun:
  // never a plan over the budget.
  let found: OptimalResult | null = null;
  let internal = bytes;
  for (let attempt = 0; attempt < 4 && internal >= smallest; attempt++) {
    const r = solve(m, internal, slots);
    if (!r) break;
    const peak = predictPlan(profile, emitSchedule(r.schedule, n, "optimal")).peakBytes;
    if (peak <= bytes) {
      found = r;
      break;
    }
    internal -= peak - bytes;
  }
  if (found?.exact && internal === bytes) return found;
  // With inexact units the rounding can lose the last units above the smallest peak (a
  // budget within about n units of it finds nothing): the least-peak schedule fits there,
  // and is taken whenever it is faster than what the program found.
  const least = m.minPeakSchedule();
  const leastPeak = predictPlan(profile, emitSchedule(least, n, "optimal")).peakBytes;
  const leastTime = m.timeOf(least);
  if (leastPeak <= bytes && (!found || leastTime < found.time)) {
    return {
      schedule: least,
      peakBytes: m.peakOf(least),
      time: leastTime,
      unitBytes: found?.unitBytes ?? 0,
      units: found?.units ?? 0,
      exact: false,
      via: "leastPeak",
    };
  }
  if (found) return found;
  throw new BudgetInfeasible({
    strategy: "optimal",
    requestedBytes: bytes,
    smallestFeasibleBytes: Math.max(leastPeak, smallest),
  });
}

/**
 * The smallest predicted peak of any Schedule-class plan: the least budget `optimal` accepts.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { optimalSmallestBytes } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * console.log(optimalSmallestBytes(profile)); // budgets below this throw BudgetInfeasible
 * ```
 */
export function optimalSmallestBytes(profile: Profile, options: { granularity?: Granularity } = {}): number {
  checkProfile(profile);
  return new Model(profile, checkGranularity(options.granularity)).minPeak();
}

/**
 * A schedule's peak under the model (equal to `predictPlan`'s peak of its emitted plan).
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { checkpointSchedule, optimalModelPeak } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const n = profile.stages.length;
 * optimalModelPeak(profile, checkpointSchedule([6, 12], n));
 * ```
 */
export function optimalModelPeak(profile: Profile, schedule: Schedule): number {
  checkProfile(profile);
  return new Model(profile, "op").peakOf(schedule);
}

/**
 * A schedule's time under the model (`predictPlan`'s time up to summation order).
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { checkpointSchedule, optimalModelTime } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const n = profile.stages.length;
 * optimalModelTime(profile, checkpointSchedule([6, 12], n));
 * ```
 */
export function optimalModelTime(profile: Profile, schedule: Schedule): number {
  checkProfile(profile);
  return new Model(profile, "op").timeOf(schedule);
}

// ---------------------------------------------------------------------------------------

function checkOptions(
  profile: Profile,
  options: OptimalOptions,
): { bytes: number; slots: number | undefined; granularity: Granularity } {
  const bytes = checkBudgetBytes(options?.bytes);
  const granularity = checkGranularity(options.granularity);
  const slots = options.slots;
  if (slots !== undefined && (typeof slots !== "number" || !Number.isInteger(slots) || slots < 1)) {
    throw new InvalidArgument({
      name: "slots",
      value: slots,
      expected: "a positive integer number of memory units",
    });
  }
  checkProfile(profile);
  return { bytes, slots, granularity };
}

function checkGranularity(g: unknown): Granularity {
  if (g === undefined) return "op";
  if (g === "op" || g === "stage") return g;
  throw new InvalidArgument({ name: "granularity", value: g, expected: '"op" or "stage"' });
}

function checkProfile(profile: Profile): void {
  const bad = (name: string, v: unknown) => {
    throw new InvalidArgument({ name, value: v, expected: "a nonnegative finite number" });
  };
  const ok = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;
  profile.stages.forEach((s, i) => {
    for (
      const k of [
        "outputBytes",
        "tapeBytes",
        "forwardPeakRecord",
        "forwardPeakDiscard",
        "backwardPeak",
      ] as const
    ) {
      if (!ok(s[k])) bad(`profile.stages[${i}].${k}`, s[k]);
    }
    for (const k of ["forwardTime", "backwardTime"] as const) {
      if (typeof s[k] !== "number" || !Number.isFinite(s[k])) bad(`profile.stages[${i}].${k}`, s[k]);
    }
    (s.modes ?? []).forEach((m, j) => {
      for (const k of ["tapeBytes", "forwardPeakRecord", "backwardPeak", "replayTime"] as const) {
        if (!ok(m[k])) bad(`profile.stages[${i}].modes[${j}].${k}`, m[k]);
      }
    });
  });
  if (!ok(profile.loss.peak)) bad("profile.loss.peak", profile.loss.peak);
  if (typeof profile.loss.time !== "number" || !Number.isFinite(profile.loss.time)) {
    bad("profile.loss.time", profile.loss.time);
  }
}

function chainAllSchedule(i: number, n: number): Schedule {
  let s: Schedule = { kind: "loss" };
  for (let k = n - 1; k >= i; k--) s = { kind: "chain", stage: k, rest: s };
  return s;
}
