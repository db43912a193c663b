import assert from "node:assert/strict";
import { test } from "node:test";
import { optimal, optimalSmallestBytes, storeAll } from "@remat/strategies";
import { deepestFitting, deepestUnder, deepResnet, optimalWithin, profiles } from "./search.ts";

test("deepestFitting finds the last depth of a monotone predicate, 0 when none, max when all", () => {
  for (const limit of [1, 2, 3, 7, 8, 9, 63, 64, 65, 999]) {
    let calls = 0;
    const found = deepestFitting((d) => (calls++, d <= limit), 1000);
    assert.equal(found, limit);
    assert.ok(calls <= 2 * Math.ceil(Math.log2(1000)) + 2, `${calls} calls for limit ${limit}`);
  }
  assert.equal(deepestFitting(() => false, 50), 0);
  assert.equal(deepestFitting(() => true, 50), 50);
  assert.throws(() => deepestFitting(() => true, 0), /max must be ≥ 1; got 0/);
});

test(
  "deepestUnder: store-all fits exactly up to its depth; optimal within the overhead at its depth, not one deeper",
  {
    timeout: 120_000, // plans optimal over chains of up to 200 stages: seconds on a loaded machine
  },
  () => {
    const shape = { size: 8, width: 2, batch: 2 };
    const at = profiles(shape);
    const bytes = storeAll(at(3)).summary().predictedPeakBytes; // store-all fits depth 3 exactly
    const found = deepestUnder(at, { bytes, overhead: 0.3, maxDepth: 64 });
    assert.equal(found.storeAll, 3);
    assert.ok(found.optimal > found.storeAll && found.optimal < 64, `optimal reaches ${found.optimal}`);
    const ratio = (d: number) =>
      optimal(at(d), { bytes }).summary().predictedTime / storeAll(at(d)).summary().predictedTime;
    const plan = optimalWithin(at(found.optimal), bytes, 0.3);
    assert.ok(plan !== null && plan.summary().predictedPeakBytes <= bytes);
    assert.ok(ratio(found.optimal) <= 1.3);
    assert.ok(ratio(found.optimal + 1) > 1.3, `depth ${found.optimal + 1}: ×${ratio(found.optimal + 1)}`);
    // Without the time cap, memory alone would let optimal go deeper.
    assert.ok(optimalSmallestBytes(at(found.optimal + 1)) <= bytes);
    assert.equal(deepResnet(shape, 3).stages.length, 3 * 3 + 2);
  },
);
