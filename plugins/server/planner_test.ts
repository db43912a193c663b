import assert from "node:assert/strict";
import { test } from "node:test";
import type { PlanRequest } from "./job_types.ts";
import { DEFAULT_LIMITS } from "./limits.ts";
import { Planner, PlannerBusy, PlanningTimeout } from "./planner.ts";

const mlp = (depth: number) => ({
  kind: "mlp" as const,
  depth,
  width: 64,
  hidden: 256,
  classes: 3,
  inputs: 2,
});
const quick: PlanRequest = { model: mlp(4), strategy: { name: "sqrt" }, batch: 8 };
/** optimal over 256 stages: seconds of planning. */
const slow: PlanRequest = {
  model: mlp(254),
  strategy: { name: "optimal", bytes: 4 * 1024 * 1024 },
  batch: 64,
};

test("the planner checks requests in a worker: accepted, over a limit, refused", async () => {
  const planner = new Planner({ timeoutMs: 20_000 });
  try {
    const ok = await planner.check(quick, DEFAULT_LIMITS);
    assert.equal(ok.kind, "ok");
    assert.match(ok.kind === "ok" ? ok.model : "", /^mlp\(/);
    const limited = await planner.check(quick, { ...DEFAULT_LIMITS, maxBatch: 4 });
    assert.equal(limited.kind, "limit");
    assert.equal(limited.kind === "limit" ? limited.over.limit : "", "maxBatch");
    const refused = await planner.check(
      { ...quick, strategy: { name: "optimal", bytes: 16 } },
      DEFAULT_LIMITS,
    );
    assert.equal(refused.kind, "refused");
    assert.equal(refused.kind === "refused" ? refused.tag : "", "BudgetInfeasible");
  } finally {
    planner.close();
  }
});

test("planning past the cap is refused with PlanningTimeout while the loop stays free; the next request is served", async () => {
  const planner = new Planner({ timeoutMs: 300 });
  try {
    assert.equal((await planner.check(quick, DEFAULT_LIMITS)).kind, "ok"); // the worker is loaded
    let worstLagMs = 0, last = performance.now();
    const ticker = setInterval(() => {
      const t = performance.now();
      worstLagMs = Math.max(worstLagMs, t - last - 10);
      last = t;
    }, 10);
    const started = performance.now();
    const refused = await planner.check(slow, DEFAULT_LIMITS).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof PlanningTimeout, String(refused));
    assert.match(refused.message, /longer than the limit maxPlanMs = 300 ms/);
    clearInterval(ticker);
    const waited = performance.now() - started;
    assert.ok(waited < 2_000, `refused after ${waited.toFixed(0)} ms`);
    assert.ok(worstLagMs < 100, `the event loop stalled ${worstLagMs.toFixed(0)} ms`);
    assert.equal((await planner.check(quick, DEFAULT_LIMITS)).kind, "ok");
  } finally {
    planner.close();
  }
});

test("a full waiting line is refused with PlannerBusy; close refuses what still waits", async () => {
  const planner = new Planner({ timeoutMs: 60_000, maxWaiting: 1 });
  await planner.check(quick, DEFAULT_LIMITS); // the worker is loaded
  const first = planner.check(slow, DEFAULT_LIMITS); // running
  const second = planner.check(quick, DEFAULT_LIMITS); // waiting
  await assert.rejects(planner.check(quick, DEFAULT_LIMITS), PlannerBusy);
  planner.close();
  await assert.rejects(first, /the planner is closed/);
  await assert.rejects(second, /the planner is closed/);
});
