import assert from "node:assert/strict";
import { test } from "node:test";
import { mlp, staticProfile } from "@remat/core";
import { checkpointSchedule, planOf } from "./mod.ts";
import {
  ALL_LAYOUTS_MAX_STAGES,
  bestLayout,
  candidateLayouts,
  layout,
  layoutWindow,
} from "./segment_layouts.ts";

test("layout counts segments of k back from a stored last segment; the first takes the remainder", () => {
  assert.deepEqual(layout(10, 3, 1).checkpoints, [3, 6, 9]); // uniform(every = 3)
  assert.deepEqual(layout(10, 3, 3).checkpoints, [1, 4, 7]); // counted from the end
  assert.deepEqual(layout(10, 3, 4).checkpoints, [3, 6]); // checkpoint_sequential(segments = 3)
  assert.deepEqual(layout(10, 4, 10).checkpoints, []); // store-all
});

test("candidateLayouts holds uniform's, the from-the-end and checkpoint_sequential's layouts, once each", () => {
  const all = candidateLayouts(10, [3], [3, 4]);
  const keys = all.map((l) => l.checkpoints.join(","));
  assert.deepEqual(keys, ["3,6,9", "1,4,7", "3,6", "2,4,6"]); // s = 4: ⌊10/4⌋ = 2, last 4
  const divisors = [1, 2, 3, 4, 6, 12]; // where the three layouts coincide most
  const many = candidateLayouts(12, divisors, divisors).map((l) => l.checkpoints.join(","));
  assert.equal(new Set(many).size, many.length);
  assert.ok(many.length < 3 * divisors.length);
});

test("layoutWindow: every length and count up to 256 stages, within a factor of 2 of k₀ beyond", () => {
  const small = layoutWindow(ALL_LAYOUTS_MAX_STAGES, 16);
  assert.equal(small.ks.length, ALL_LAYOUTS_MAX_STAGES);
  assert.equal(small.ss.length, ALL_LAYOUTS_MAX_STAGES);
  const { ks, ss } = layoutWindow(1000, 20);
  assert.deepEqual([ks[0], ks.at(-1)], [10, 40]);
  for (const s of ss) assert.ok(Math.floor(1000 / s) >= 10 && Math.floor(1000 / s) <= 40, `s = ${s}`);
  assert.ok(ss.includes(25) && ss.includes(100));
});

test("bestLayout scores layouts with predictPlan's peak and picks the least, then the fastest", () => {
  const profile = staticProfile(mlp({ depth: 10, width: 16, hidden: 64, classes: 4 }), 8);
  const n = profile.stages.length;
  const layouts = candidateLayouts(n, [1, 2, 3, 4, 5], [2, 3, 4, 5]);
  const best = bestLayout(profile, layouts);
  const predicted = layouts.map((l) => planOf(checkpointSchedule(l.checkpoints, n), profile, "l").summary());
  const least = Math.min(...predicted.map((s) => s.predictedPeakBytes));
  const mine = planOf(checkpointSchedule(best.checkpoints, n), profile, "best").summary();
  assert.equal(best.peak, mine.predictedPeakBytes);
  assert.equal(best.peak, least);
  const fastest = Math.min(
    ...predicted.filter((s) => s.predictedPeakBytes === least).map((s) => s.predictedTime),
  );
  assert.ok(Math.abs(mine.predictedTime - fastest) <= 1e-9 * fastest);
  assert.throws(() => bestLayout(profile, []), /no layout given/);
});
