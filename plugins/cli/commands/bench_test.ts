import assert from "node:assert/strict";
import { test } from "node:test";
import { gpt, staticProfile } from "@remat/core";
import { optimal } from "@remat/strategies";
import { sweepBudgets } from "../strategy_suite.ts";
import { type BenchRow, ratioAgreement } from "./bench.ts";
import {
  formatGranularityCut,
  granularityCut,
  MIN_STAGE_OVERHEAD,
  opVsStageBudget,
} from "../granularity_compare.ts";

const row = (measuredRatio: number, predictedRatio: number, peaks: [number, number] = [8, 8]): BenchRow => ({
  series: "point",
  strategy: "s",
  budgetBytes: null,
  measuredPeakBytes: peaks[0],
  predictedPeakBytes: peaks[1],
  measuredMs: 1,
  measuredRatio,
  pairs: 9,
  predictedRatio,
});

test("ratioAgreement counts rows within 5% of their prediction, the median and worst error, and equal peaks", () => {
  const a = ratioAgreement([row(1.02, 1), row(1.2, 1.5), row(2.08, 2), row(1, 1, [8, 9])]);
  // errors: 2%, 20%, 4%, 0% → median (2 + 4) / 2
  assert.ok(Math.abs(a.medianErrorPercent - 3) < 1e-9, String(a.medianErrorPercent));
  assert.ok(Math.abs(a.worstErrorPercent - 20) < 1e-9);
  assert.equal(a.within5Percent, 3);
  assert.equal(a.peaksEqual, 3);
});

test("ratioAgreement refuses an empty list", () => {
  assert.throws(() => ratioAgreement([]), /no rows/);
});

const swept = (
  series: BenchRow["series"],
  budgetBytes: number,
  measuredRatio: number,
  predictedRatio: number,
) => ({
  ...row(measuredRatio, predictedRatio),
  series,
  budgetBytes,
});

test("granularityCut pairs op and stage rows by budget: largest and median cuts, and where op measured slower", () => {
  const c = granularityCut([
    row(1, 1),
    swept("frontier", 10, 1.3, 1.2),
    swept("frontier-stage", 10, 1.4, 1.4), // predicted cut 1 − 0.2/0.4 = 50%, measured 25%
    swept("frontier", 20, 1.05, 1.02),
    swept("frontier-stage", 20, 1.1, 1.1), // predicted 80%, measured 50%
    swept("frontier", 30, 1.03, 1),
    swept("frontier-stage", 30, 1.01, 1), // op slower, predicted equal; no stage overhead predicted
    swept("frontier", 40, 1, 1.01),
    swept("frontier-stage", 40, 1.03, 1.03), // stage's predicted overhead 3% < 5%: no cut counted
    swept("frontier", 5, 2, 2), // no stage row at 5
  ]);
  assert.equal(c.budgets, 4);
  assert.equal(c.cutBudgets, 2);
  assert.equal(c.minStageOverhead, MIN_STAGE_OVERHEAD);
  assert.ok(Math.abs(c.predicted!.cut - 0.8) < 1e-9 && c.predicted!.bytes === 20);
  assert.ok(Math.abs(c.measured!.cut - 0.5) < 1e-9 && c.measured!.bytes === 20);
  assert.ok(Math.abs(c.medianPredicted! - 0.65) < 1e-9);
  assert.ok(Math.abs(c.medianMeasured! - 0.375) < 1e-9);
  assert.equal(c.opSlower, 1);
  assert.equal(c.opSlowerPredictedEqual, 1);
  assert.equal(
    formatGranularityCut(c),
    "op vs stage at the 2 of 4 budgets where stage's predicted overhead is ≥ 5%: overhead cut 1 − (op−1)/(stage−1) up to 80.0% (at 20 B) predicted, up to 50.0% (at 20 B) measured; median 65.0% predicted, 37.5% measured. Op measured slower than stage at 1 of 4 budgets (1 of them predicted equal)",
  );
});

test("granularityCut counts no cut where stage's predicted overhead is small", () => {
  const c = granularityCut([swept("frontier", 10, 0.99, 1.01), swept("frontier-stage", 10, 1.02, 1.02)]);
  assert.equal(c.cutBudgets, 0);
  assert.equal(c.predicted, null);
  assert.equal(c.measured, null);
  assert.equal(c.medianMeasured, null);
  assert.match(
    formatGranularityCut(c),
    /up to — predicted, up to — measured; median — predicted, — measured/,
  );
  assert.equal(
    granularityCut([swept("frontier", 10, 0.99, 1.01), swept("frontier-stage", 10, 1.02, 1.02)], 0.01)
      .cutBudgets,
    1,
  );
});

test("opVsStageBudget picks the swept budget with the smallest predicted op / stage ratio, skipping missing stage plans", () => {
  const profile = staticProfile(gpt({ layers: 2, dModel: 16, heads: 2, seqLen: 8, vocab: 16 }), 2);
  const budgets = sweepBudgets(profile, 6);
  const sweeps = budgets.map((bytes, i) => ({
    bytes,
    op: optimal(profile, { bytes }),
    stage: i === 0 ? null : optimal(profile, { bytes, granularity: "stage" }),
  }));
  const at = opVsStageBudget(sweeps)!;
  const ratios = sweeps.slice(1).map((w) => w.op.summary().predictedTime / w.stage!.summary().predictedTime);
  assert.equal(at.predicted, Math.min(...ratios));
  assert.equal(at.bytes, sweeps[1 + ratios.indexOf(at.predicted)]!.bytes);
  assert.ok(at.predicted <= 1 + 1e-12);
  assert.equal(opVsStageBudget(sweeps.map((w) => ({ ...w, stage: null }))), null);
});
