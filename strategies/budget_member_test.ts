import assert from "node:assert/strict";
import { test } from "node:test";
import { findPlanError } from "@remat/core";
import { memberSchedule, segmentsBySize } from "./budget_member.ts";
import { emitSchedule } from "./schedule.ts";

test("segmentsBySize starts a segment at each run of recomputed stages and where it would pass L", () => {
  const stored = Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0);
  const weight = Float64Array.of(2, 2, 2, 9, 3, 3, 3, 3);
  assert.deepEqual([...segmentsBySize(stored, weight, 4)], [1, 0, 1, 0, 1, 1, 1, 1]); // 2+2 fits 4, +2 does not; each 3 after the first passes 4
  assert.deepEqual([...segmentsBySize(stored, weight, Infinity)], [1, 0, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual([...segmentsBySize(stored, weight, 0)], [1, 1, 1, 0, 1, 1, 1, 1]);
});

test("memberSchedule runs stored stages once and recomputed ones twice, as a valid plan", () => {
  const stored = Uint8Array.of(0, 0, 1, 0, 0, 1);
  const start = Uint8Array.of(1, 0, 0, 1, 0, 0);
  const plan = emitSchedule(memberSchedule(stored, start), 6, "budget");
  assert.equal(findPlanError(plan, 6), undefined);
  const forwards = Array.from(
    { length: 6 },
    (_, i) => plan.instructions.filter((x) => x.op === "forward" && x.stage === i).length,
  );
  assert.deepEqual(forwards, [2, 2, 1, 2, 2, 1]);
});
