/**
 * Optimal with partial tapes (granularity "op") against whole tapes only ("stage") in
 * `remat bench`: the stage plan of a budget, the budget where the prediction favours op most,
 * and how much of stage's overhead op cuts, predicted and measured, over the sweep.
 * @module
 */
import { BudgetInfeasible, type Profile } from "@remat/core";
import { optimal, type StrategyPlan } from "@remat/strategies";
import type { BenchRow } from "./commands/bench.ts";
import { formatBytes } from "./format.ts";

/** `optimal` with whole tapes only at `bytes`, or null where no such plan fits. */
export function stagePlan(profile: Profile, bytes: number): StrategyPlan | null {
  try {
    return optimal(profile, { bytes, granularity: "stage" });
  } catch (e) {
    if (e instanceof BudgetInfeasible) return null;
    throw e;
  }
}

/** One swept budget's plans: partial tapes (op) and whole tapes only (stage, null where none fits). */
export interface SweptPair {
  readonly bytes: number;
  readonly op: StrategyPlan;
  readonly stage: StrategyPlan | null;
}

/**
 * The swept budget where the predicted op / stage time ratio is smallest (the first such
 * budget on a tie), with its plans and that ratio; null when no budget has a stage plan.
 * @example
 * ```ts
 * const at = opVsStageBudget(budgets.map((bytes) => ({ bytes, op: optimal(profile, { bytes }), stage: optimal(profile, { bytes, granularity: "stage" }) })));
 * ```
 */
export function opVsStageBudget(
  sweeps: ReadonlyArray<SweptPair>,
): { bytes: number; op: StrategyPlan; stage: StrategyPlan; predicted: number } | null {
  let best: { bytes: number; op: StrategyPlan; stage: StrategyPlan; predicted: number } | null = null;
  for (const { bytes, op, stage } of sweeps) {
    if (stage === null) continue;
    const predicted = op.summary().predictedTime / stage.summary().predictedTime;
    if (best === null || predicted < best.predicted) best = { bytes, op, stage, predicted };
  }
  return best;
}

/** A cut of the overhead at one budget. */
export interface OverheadCut {
  /** 1 − (op − 1) / (stage − 1) of the time ratios to store-all, a fraction. */
  readonly cut: number;
  /** The swept budget. */
  readonly bytes: number;
}

/**
 * Budgets where stage's predicted overhead is below this fraction of store-all's time are
 * left out of the cuts: there a few percent of timing noise swings the measured cut wildly.
 */
export const MIN_STAGE_OVERHEAD = 0.05;

/** How the op sweep compares with the stage sweep at the budgets both were measured at. */
export interface GranularityCut {
  /** Budgets with both an op and a stage row. */
  readonly budgets: number;
  /** Stage's least predicted overhead for a budget's cut to count (`MIN_STAGE_OVERHEAD`). */
  readonly minStageOverhead: number;
  /** Budgets whose cut counts: stage's predicted overhead is at least `minStageOverhead`. */
  readonly cutBudgets: number;
  /** The largest predicted cut over those budgets. */
  readonly predicted: OverheadCut | null;
  /** The largest measured cut over those budgets (where stage's measured overhead is positive). */
  readonly measured: OverheadCut | null;
  /** The median predicted cut over those budgets. */
  readonly medianPredicted: number | null;
  /** The median measured cut over those budgets. */
  readonly medianMeasured: number | null;
  /** Budgets where op measured slower than stage (of all `budgets`). */
  readonly opSlower: number;
  /** Of those, the budgets where op and stage predict the same time. */
  readonly opSlowerPredictedEqual: number;
}

/**
 * Pairs the "frontier" (op) and "frontier-stage" rows by budget and finds the cut of the time
 * overhead, 1 − (op − 1) / (stage − 1), predicted and measured (largest and median, over the
 * budgets where stage's predicted overhead is at least `minStageOverhead`), and how often op
 * measured slower than stage.
 * @example
 * ```ts
 * granularityCut(rows); // { budgets: 20, cutBudgets: 18, predicted: { cut: 0.83, bytes: 34383549 }, … }
 * ```
 */
export function granularityCut(
  rows: ReadonlyArray<BenchRow>,
  minStageOverhead: number = MIN_STAGE_OVERHEAD,
): GranularityCut {
  const stage = new Map<number, BenchRow>();
  for (const r of rows) {
    if (r.series === "frontier-stage" && r.budgetBytes !== null) stage.set(r.budgetBytes, r);
  }
  let budgets = 0, cutBudgets = 0, opSlower = 0, opSlowerPredictedEqual = 0;
  const predicted: OverheadCut[] = [], measured: OverheadCut[] = [];
  for (const op of rows) {
    if (op.series !== "frontier" || op.budgetBytes === null) continue;
    const st = stage.get(op.budgetBytes);
    if (st === undefined) continue;
    budgets++;
    if (op.measuredRatio > st.measuredRatio) {
      opSlower++;
      if (Math.abs(op.predictedRatio - st.predictedRatio) <= 1e-9 * st.predictedRatio) {
        opSlowerPredictedEqual++;
      }
    }
    if (!(st.predictedRatio - 1 >= minStageOverhead)) continue;
    cutBudgets++;
    const bytes = op.budgetBytes;
    predicted.push({ cut: 1 - (op.predictedRatio - 1) / (st.predictedRatio - 1), bytes });
    if (st.measuredRatio > 1) {
      measured.push({ cut: 1 - (op.measuredRatio - 1) / (st.measuredRatio - 1), bytes });
    }
  }
  const largest = (cs: OverheadCut[]) =>
    cs.reduce<OverheadCut | null>((a, c) => (a === null || c.cut > a.cut ? c : a), null);
  return {
    budgets,
    minStageOverhead,
    cutBudgets,
    predicted: largest(predicted),
    measured: largest(measured),
    medianPredicted: median(predicted.map((c) => c.cut)),
    medianMeasured: median(measured.map((c) => c.cut)),
    opSlower,
    opSlowerPredictedEqual,
  };
}

function median(xs: ReadonlyArray<number>): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b), mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The summary line of `granularityCut`.
 * @example
 * ```ts
 * formatGranularityCut(granularityCut(rows));
 * // "op vs stage at the 18 of 20 budgets where stage's predicted overhead is ≥ 5%: overhead cut …"
 * ```
 */
export function formatGranularityCut(c: GranularityCut): string {
  const pct = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(1)}%`);
  const at = (x: OverheadCut | null) => (x === null ? "—" : `${pct(x.cut)} (at ${formatBytes(x.bytes)})`);
  return `op vs stage at the ${c.cutBudgets} of ${c.budgets} budgets where stage's predicted overhead is ≥ ${+(100 *
    c.minStageOverhead).toFixed(1)}%: overhead cut 1 − (op−1)/(stage−1) up to ${
    at(c.predicted)
  } predicted, up to ${at(c.measured)} measured; median ${pct(c.medianPredicted)} predicted, ${
    pct(c.medianMeasured)
  } measured. Op measured slower than stage at ${c.opSlower} of ${c.budgets} budgets (${c.opSlowerPredictedEqual} of them predicted equal)`;
}
