import assert from "node:assert/strict";
import { test } from "node:test";
import { mlp, type Plan, storeAllPlan } from "@remat/core";
import { PairedTimer } from "./paired_timer.ts";

/** The step times each plan takes, in call order (set before a timer warms up). */
let script = new Map<Plan, number[]>();

/** A timer whose steps take the scripted times and peak at 42 bytes. */
class ScriptedTimer extends PairedTimer {
  constructor(base: Plan, pairs: number) {
    super(
      null as never,
      mlp({ depth: 1, width: 2, hidden: 2, classes: 2, inputs: 2 }),
      [] as never,
      null as never,
      base,
      pairs,
    );
  }
  override step(plan: Plan): Promise<{ ms: number; peakBytes: number }> {
    return Promise.resolve({ ms: script.get(plan)!.shift() ?? 100, peakBytes: 42 });
  }
}

test("duel takes the median of adjacent pairs' ratios and a's median time, after one untimed step of a", async () => {
  const a = storeAllPlan(1), b = { ...storeAllPlan(1), strategy: "b" };
  // b: two warm-ups (100), then pairs; a: one untimed step (1), then pairs.
  script = new Map<Plan, number[]>([
    [b, [100, 100, 10, 30, 10, 10, 10]],
    [a, [1, 50, 20, 13, 40, 12]],
  ]);
  const t = await (await new ScriptedTimer(b, 5).warmUp()).duel(a, b, 5);
  // pairs (a, b): (50, 10), (20, 30), (13, 10), (40, 10), (12, 10) → ratios 5, 2/3, 1.3, 4, 1.2
  assert.deepEqual([t.ms, t.ratio], [20, 1.3]);
  assert.equal(t.peakBytes, 42);
});

test("duel rejects a pair count below one, naming it", async () => {
  const b = storeAllPlan(1);
  script = new Map([[b, []]]);
  const timer = new ScriptedTimer(b, 1);
  await assert.rejects(() => timer.duel(b, b, 0), /pairs must be a positive integer; got 0/);
});
