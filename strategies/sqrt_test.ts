import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { findPlanError, mlp, staticProfile } from "@remat/core";
import { checkpointSchedule, planOf } from "./mod.ts";
import { everyKFromEnd, sqrt, sqrtSegment } from "./sqrt.ts";
import { everyK } from "./uniform.ts";

const forwardsPerStage = (plan: ReturnType<typeof sqrt>, n: number) =>
  Array.from(
    { length: n },
    (_, i) => plan.instructions.filter((x) => x.op === "forward" && x.stage === i).length,
  );

test("everyKFromEnd counts checkpoints from the end; the first segment takes the remainder", () => {
  assert.deepEqual(everyKFromEnd(10, 3), [1, 4, 7]);
  assert.deepEqual(everyKFromEnd(9, 3), [3, 6]);
  assert.deepEqual(everyKFromEnd(3, 5), []);
  assert.throws(() => everyKFromEnd(10, 0), /k must be an integer ≥ 1; got 0/);
});

test("sqrt keeps its last k stages taped from the first sweep and recomputes every other stage once", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 8, max: 128 }), (depth, hidden) => {
      const profile = staticProfile(mlp({ depth, width: 32, hidden, classes: 10 }), 8);
      const n = profile.stages.length, k = sqrtSegment(profile);
      const plan = sqrt(profile);
      assert.equal(findPlanError(plan, n), undefined);
      const tail = Math.min(n, k);
      assert.deepEqual(
        forwardsPerStage(plan, n),
        Array.from({ length: n }, (_, i) => (i >= n - tail ? 1 : 2)),
      );
    }),
    { numRuns: 60 },
  );
});

test("on the reference MLP, counting from the end saves recomputed forwards at the same peak", () => {
  const profile = staticProfile(mlp({ depth: 32, width: 256, hidden: 1024, classes: 10 }), 64);
  const n = profile.stages.length, k = sqrtSegment(profile);
  const fromStart = planOf(checkpointSchedule(everyK(n, k), n), profile, "from start").summary();
  const fromEnd = sqrt(profile).summary();
  assert.equal(k, 3);
  assert.equal(fromEnd.predictedPeakBytes, fromStart.predictedPeakBytes);
  assert.ok(
    fromEnd.predictedTime < fromStart.predictedTime,
    `${fromEnd.predictedTime} < ${fromStart.predictedTime}`,
  );
  assert.equal(fromEnd.forwardsPerStage.reduce((a, f) => a + f, 0), n + (n - k));
});
