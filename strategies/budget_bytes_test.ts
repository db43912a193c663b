import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgument, mlp, type Plan, staticProfile } from "@remat/core";
import { budget, budgetBounds } from "./budget.ts";
import { BUDGET_BYTES_EXPECTED, checkBudgetBytes } from "./budget_bytes.ts";
import { optimal } from "./optimal.ts";
import { storeAll } from "./store_all.ts";

const profile = staticProfile(mlp({ depth: 4, width: 16, hidden: 32, classes: 3 }), 4);
const valid = storeAll(profile).summary().predictedPeakBytes; // every strategy fits store-all's peak

/** Every strategy that takes a byte budget, called with `bytes`. */
const strategies: ReadonlyArray<[string, (bytes: number) => Plan]> = [
  ["budget", (bytes) => budget(profile, { bytes })],
  ["optimal", (bytes) => optimal(profile, { bytes })],
  ["optimal with slots", (bytes) => optimal(profile, { bytes, slots: 100 })],
];

// (budget reads `{ bytes: undefined }` as no byte budget given: an invalid `options`, tested in budget_test)
const invalid: ReadonlyArray<unknown> = [0, -1, NaN, Infinity, -Infinity, 1.5, "4096", null];

describe("byte budgets", () => {
  test("checkBudgetBytes accepts whole numbers ≥ 1 and refuses the rest naming the value", () => {
    for (const ok of [1, 4096, 2 ** 40]) assert.equal(checkBudgetBytes(ok), ok);
    for (const bad of [...invalid, undefined]) {
      assert.throws(() => checkBudgetBytes(bad, "limit"), (e: unknown) => {
        assert.ok(e instanceof InvalidArgument);
        assert.equal(e.name, "limit");
        assert.ok(Object.is(e.value, bad));
        assert.equal(e.expected, BUDGET_BYTES_EXPECTED);
        return true;
      });
    }
  });

  for (const [name, plan] of strategies) {
    test(`${name} refuses 0, −1, NaN, ±Infinity and 1.5 bytes with the same InvalidArgument`, () => {
      for (const bad of invalid) {
        assert.throws(() => plan(bad as number), (e: unknown) => {
          assert.ok(e instanceof InvalidArgument, `${name}(${String(bad)}): ${e}`);
          assert.equal(e.name, "bytes");
          assert.ok(Object.is(e.value, bad));
          assert.equal(e.expected, BUDGET_BYTES_EXPECTED);
          assert.match(e.message, /^invalid bytes: got .*; expected a whole number of bytes ≥ 1/);
          return true;
        });
      }
      const ok = plan(valid);
      assert.equal(ok.stages, profile.stages.length);
      assert.ok(ok.instructions.length > 0);
    });
  }

  test("budget's fraction still takes any number in [0, 1], fractional bytes included", () => {
    const { minBytes, maxBytes } = budgetBounds(profile);
    const plan = budget(profile, { fraction: 0.37 });
    assert.ok(plan.strategy.startsWith("budget(fraction=0.37, bytes="));
    assert.ok(plan.summary().predictedPeakBytes <= minBytes + 0.37 * (maxBytes - minBytes));
  });
});
