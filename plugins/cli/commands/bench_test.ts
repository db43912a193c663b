import assert from "node:assert/strict";
import { test } from "node:test";
import { type BenchRow, ratioAgreement } from "./bench.ts";

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
