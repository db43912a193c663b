import assert from "node:assert/strict";
import { test } from "node:test";
import { BudgetInfeasible, isRematError, mlp, staticProfile } from "@remat/core";
import { homogeneousProfile } from "@remat/conformance";
import { budget, budgetBounds } from "./budget.ts";
import { FamilyBudgetInfeasible, lowerElsewhere, OPTIMAL_HINT_MAX_STAGES } from "./budget_infeasible.ts";
import { optimal, optimalSmallestBytes } from "./optimal.ts";
import { revolve } from "./revolve.ts";

function refused(f: () => unknown): FamilyBudgetInfeasible {
  try {
    f();
  } catch (e) {
    if (e instanceof FamilyBudgetInfeasible) return e;
    throw e;
  }
  throw new Error("expected FamilyBudgetInfeasible");
}

test("on the reference MLP, budget's refusal names its family's least peak and optimal's, far lower", {
  timeout: 30_000,
}, () => {
  const profile = staticProfile(mlp({ depth: 32, width: 256, hidden: 1024, classes: 10, inputs: 256 }), 64);
  const { minBytes } = budgetBounds(profile);
  assert.equal(minBytes, 1_638_400); // the audit saw 1,900,544: the old search missed the family's least
  const e = refused(() => budget(profile, { bytes: 1_000_000 }));
  assert.ok(e instanceof BudgetInfeasible && isRematError(e));
  assert.equal(e._tag, "BudgetInfeasible");
  assert.equal(e.strategy, "budget");
  assert.equal(e.requestedBytes, 1_000_000);
  assert.equal(e.smallestFeasibleBytes, minBytes);
  assert.deepEqual(e.elsewhere, { strategy: "optimal", bytes: 720_896 });
  assert.equal(
    e.message,
    "budget: no plan of its family (each stage stored or recomputed once) fits in 1000000 bytes of activations; " +
      "the smallest feasible budget is 1638400 bytes; optimal fits in as little as 720896 bytes, within the requested budget",
  );
  assert.ok(optimal(profile, { bytes: 1_000_000 }).summary().predictedPeakBytes <= 1_000_000);
});

test("the figure named elsewhere is optimal's smallest budget up to 400 stages, revolve's peak beyond", () => {
  const short = homogeneousProfile(OPTIMAL_HINT_MAX_STAGES);
  assert.deepEqual(lowerElsewhere(short), { strategy: "optimal", bytes: optimalSmallestBytes(short) });
  const long = homogeneousProfile(1000);
  const hint = lowerElsewhere(long)!;
  const slots = Number(/^revolve\(slots=(\d+)\)$/.exec(hint.strategy)![1]);
  assert.equal(hint.bytes, revolve(long, { slots }).summary().predictedPeakBytes);
  const e = refused(() => budget(long, { bytes: hint.bytes }));
  assert.ok(hint.bytes < e.smallestFeasibleBytes);
  assert.ok(
    e.message.endsWith(
      `; ${hint.strategy} fits in as little as ${hint.bytes} bytes, within the requested budget`,
    ),
  );
  assert.equal(lowerElsewhere(homogeneousProfile(0)), undefined);
});

test("no other strategy is named when none fits lower than the family", () => {
  const e = new FamilyBudgetInfeasible({
    strategy: "budget",
    family: "each stage stored or recomputed once",
    requestedBytes: 10,
    smallestFeasibleBytes: 20,
    elsewhere: { strategy: "optimal", bytes: 20 },
  });
  assert.equal(
    e.message,
    "budget: no plan of its family (each stage stored or recomputed once) fits in 10 bytes of activations; the smallest feasible budget is 20 bytes",
  );
  const lower = new FamilyBudgetInfeasible({ ...e, elsewhere: { strategy: "optimal", bytes: 15 } });
  assert.ok(lower.message.endsWith("; optimal fits in as little as 15 bytes"), lower.message);
  // a one-stage chain: the family holds every Schedule-class plan, so optimal fits no lower
  const one = homogeneousProfile(1);
  const alone = refused(() => budget(one, { bytes: budgetBounds(one).minBytes - 1 }));
  assert.equal(alone.elsewhere?.bytes, alone.smallestFeasibleBytes);
  assert.ok(!alone.message.includes("fits in as little as"), alone.message);
});
