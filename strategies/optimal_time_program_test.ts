import assert from "node:assert/strict";
import { test } from "node:test";
import { mlp, staticProfile } from "@remat/core";
import { Model } from "./optimal_model.ts";
import { OPTIMAL_DEFAULT_SLOTS, solve, unitFor } from "./optimal_time_program.ts";

const profile = staticProfile(mlp({ depth: 6, width: 16, hidden: 32, classes: 4 }), 8);

test("unitFor takes the gcd of the sizes as an exact unit when it is affordable, else bytes / slots", () => {
  const m = new Model(profile);
  const exact = unitFor(m, 1 << 16, undefined);
  assert.ok(exact.exact);
  for (const s of profile.stages) assert.equal(s.outputBytes % exact.u, 0);
  const coarse = unitFor(m, 1 << 16, 7);
  assert.equal(coarse.u, Math.ceil((1 << 16) / 7));
  assert.ok(OPTIMAL_DEFAULT_SLOTS >= 500);
});

test("solve returns a schedule within the budget, no slower as the budget grows, and null below every schedule", () => {
  const m = new Model(profile);
  const least = m.minPeak();
  let previous = Infinity;
  for (const bytes of [least, Math.round(least * 1.5), least * 3, least * 10]) {
    const r = solve(m, bytes, undefined)!;
    assert.ok(r !== null, `a schedule fits ${bytes} bytes`);
    assert.ok(r.peakBytes <= bytes);
    assert.equal(r.peakBytes, m.peakOf(r.schedule));
    assert.ok(r.time <= previous);
    previous = r.time;
  }
  assert.equal(solve(m, least - 1, undefined), null);
});
