import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { dpKnapsack, greedyKnapsack } from "./knapsack.ts";

/** The best value of any subset whose weight is at most `capacity`, by trying them all. */
function bruteBest(value: number[], weight: number[], capacity: number): number {
  let best = 0;
  for (let mask = 0; mask < 1 << value.length; mask++) {
    let v = 0, w = 0;
    for (let i = 0; i < value.length; i++) if (mask & (1 << i)) (v += value[i]!), (w += weight[i]!);
    if (w <= capacity && v > best) best = v;
  }
  return best;
}

const items = fc.array(fc.record({ v: fc.integer({ min: 0, max: 20 }), w: fc.integer({ min: 0, max: 9 }) }), {
  minLength: 1,
  maxLength: 9,
});

test("dpKnapsack with one unit per weight unit is the exact knapsack at every capacity", () => {
  fc.assert(
    fc.property(items, (its) => {
      const value = Float64Array.from(its, (i) => i.v), weight = Float64Array.from(its, (i) => i.w);
      const total = its.reduce((a, i) => a + i.w, 0);
      const k = dpKnapsack(value, weight, Math.max(1, total));
      for (let c = 0; c <= k.max; c++) {
        const taken = k.select(c);
        let v = 0, w = 0;
        taken.forEach((t, i) => t && ((v += value[i]!), (w += weight[i]!)));
        assert.ok(w <= c || total === 0, `weight ${w} over capacity ${c}`);
        assert.equal(v, bruteBest([...value], [...weight], total === 0 ? Infinity : c));
        for (let i = 0; i < its.length; i++) {
          if (taken[i]) assert.ok(value[i]! > 0, "a zero-value item is never taken");
        }
      }
    }),
    { numRuns: 200 },
  );
});

test("greedyKnapsack takes items by value per byte, zero weights first, later items on ties", () => {
  const k = greedyKnapsack(Float64Array.of(1, 6, 3, 3, 5), Float64Array.of(1, 2, 1, 1, 0));
  assert.equal(k.max, 5);
  // ratios: 1, 3, 3, 3, ∞ → item 4, then 3, 2 (ties: later first), 1, then 0
  assert.deepEqual([...k.select(1)], [0, 0, 0, 0, 1]);
  assert.deepEqual([...k.select(3)], [0, 0, 1, 1, 1]);
  assert.deepEqual([...k.select(4)], [0, 1, 1, 1, 1]);
  assert.deepEqual([...k.select(5)], [1, 1, 1, 1, 1]);
});
