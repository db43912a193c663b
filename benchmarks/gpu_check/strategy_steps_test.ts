import assert from "node:assert/strict";
import { test } from "node:test";
import { buildModel } from "@remat/cli";
import { CpuBackend } from "@remat/cpu";
import { strategySteps } from "./strategy_steps.ts";

test("strategySteps measures store-all, sqrt and optimal at sqrt's bytes, with peaks equal to predictions", async () => {
  const model = buildModel({ model: "mlp", depth: "4", width: "8", hidden: "16", batch: "8" });
  const r = await strategySteps(new CpuBackend(), model, { pairs: 2 });
  assert.deepEqual([r.batch, r.stages, r.pairs, r.dispatchesPerStep], [8, 6, 2, null]);
  assert.deepEqual(r.rows.map((row) => row.strategy.split("(")[0]), ["storeAll", "sqrt", "optimal"]);
  const [all, sq, opt] = r.rows;
  for (const row of r.rows) {
    assert.ok(row.peaksEqual && row.measuredPeakBytes === row.predictedPeakBytes, row.strategy);
    assert.ok(row.ms > 0 && row.measuredRatio > 0, row.strategy);
  }
  assert.equal(all!.predictedRatio, 1);
  assert.equal(all!.recomputedForwards, 0);
  assert.ok(sq!.measuredPeakBytes < all!.measuredPeakBytes, "sqrt keeps less than store-all");
  assert.ok(sq!.recomputedForwards > 0);
  assert.ok(opt!.measuredPeakBytes <= sq!.measuredPeakBytes, "optimal fits sqrt's bytes");
  assert.ok(opt!.predictedRatio <= sq!.predictedRatio + 1e-12, "optimal is not predicted slower than sqrt");
});
