import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { predictPlan, type Profile, sequential, type StageProfile, staticProfile } from "@remat/core";
import { arbitraryChain } from "@remat/conformance";
import { budget, budgetBounds } from "./budget.ts";
import { type FamilyMember, FamilyModel } from "./budget_family.ts";
import { memberSchedule } from "./budget_member.ts";
import { emitSchedule } from "./schedule.ts";

/** Every member of budget's family on n stages: each stage stored, starting a segment, or continuing one. */
function* allMembers(n: number): Generator<FamilyMember> {
  const stored = new Uint8Array(n), start = new Uint8Array(n);
  function* at(i: number): Generator<FamilyMember> {
    if (i === n) return yield { stored: stored.slice(), start: start.slice() };
    stored[i] = 1, start[i] = 0;
    yield* at(i + 1);
    stored[i] = 0, start[i] = 1;
    yield* at(i + 1);
    if (i > 0 && !stored[i - 1]) {
      start[i] = 0;
      yield* at(i + 1);
    }
  }
  yield* at(0);
}

const peakOfMember = (profile: Profile, m: FamilyMember) =>
  predictPlan(profile, emitSchedule(memberSchedule(m.stored, m.start), profile.stages.length, "member"))
    .peakBytes;

/** The least peak of the family by brute force, checking FamilyModel.peakOf on every member. */
function bruteForce(profile: Profile): { least: number; members: number } {
  const model = new FamilyModel(profile);
  let least = Infinity, members = 0;
  for (const m of allMembers(profile.stages.length)) {
    const peak = peakOfMember(profile, m);
    assert.equal(model.peakOf(m), peak, `${profile.chain}: model peak of ${m.stored}/${m.start}`);
    least = Math.min(least, peak);
    members++;
  }
  return { least, members };
}

/**
 * Random profiles with small integer sizes, physical or not (as in optimal_test), so that
 * tapes that do not hold their inputs and pinned segments are exercised.
 */
function arbitrarySynthetic(maxStages: number, physical: boolean, minStages = 1): fc.Arbitrary<Profile> {
  const stage = fc.tuple(
    fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })),
    fc.tuple(fc.boolean(), fc.boolean()),
    fc.tuple(
      fc.integer({ min: 0, max: 12 }),
      fc.integer({ min: 0, max: 10 }),
      fc.integer({ min: 0, max: 12 }),
    ),
    fc.integer({ min: 1, max: 9 }),
  );
  return fc.record({
    stages: fc.array(stage, { minLength: minStages, maxLength: maxStages }),
    lossPeak: fc.integer({ min: 0, max: 8 }),
  }).map(({ stages, lossPeak }): Profile => ({
    chain: `synthetic(${physical ? "physical" : "any"})`,
    batch: 1,
    source: "test",
    loss: { peak: lossPeak, time: 1 },
    stages: stages.map(([[out, tape], [hIn, hOut], [pfr, pfn, pb], f], i): StageProfile => {
      const input = i > 0 ? stages[i - 1]![0][0] : 0;
      return {
        name: `s${i}`,
        kind: "synthetic",
        outputBytes: out,
        tapeBytes: tape,
        tapeHoldsInput: hIn,
        tapeHoldsOutput: hOut,
        forwardPeakRecord: physical ? tape + out + (pfr % 4) : pfr,
        forwardPeakDiscard: physical ? out + (pfn % 4) : pfn,
        backwardPeak: physical ? input + (pb % 5) : pb,
        forwardTime: f,
        backwardTime: 2 * f,
        forwardFlops: 0,
        backwardFlops: 0,
      };
    }),
  }));
}

const arbitraryReal = (maxStages: number) =>
  fc.tuple(arbitraryChain(1, maxStages), fc.integer({ min: 1, max: 3 })).map(([chain, batch]) =>
    staticProfile(chain, batch)
  );

describe("budget's family", () => {
  test("allMembers enumerates each (stored, segment starts) pair once", () => {
    // s_n members ending stored, r_n ending recomputed: s' = s + r, r' = s + 2r (start or continue)
    const counts = [1, 2, 3, 4, 5, 6].map((n) => [...allMembers(n)].length);
    assert.deepEqual(counts, [2, 5, 13, 34, 89, 233]);
    const keys = new Set([...allMembers(6)].map((m) => `${m.stored}|${m.start}`));
    assert.equal(keys.size, 233);
  });

  test("FamilyModel's least peak is the brute-force least peak, and its member has that peak", () => {
    let chains = 0;
    fc.assert(
      fc.property(
        fc.oneof(arbitraryReal(8), arbitrarySynthetic(7, true), arbitrarySynthetic(7, false)),
        (profile) => {
          const { least } = bruteForce(profile);
          const found = new FamilyModel(profile).leastPeak();
          assert.equal(found.peak, least, profile.chain);
          assert.equal(peakOfMember(profile, found), least, `${profile.chain}: its member's plan`);
          chains++;
        },
      ),
      { numRuns: 150 },
    );
    assert.equal(chains, 150);
  });

  test("budget names the family's least peak exactly, and accepts every budget from it up", () => {
    fc.assert(
      fc.property(
        fc.oneof(arbitraryReal(8), arbitrarySynthetic(7, true)),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (profile, scale) => {
          const { least } = bruteForce(profile);
          if (least < 1) return; // no budget of ≥ 1 byte is infeasible
          const { minBytes, maxBytes } = budgetBounds(profile);
          assert.equal(minBytes, least, profile.chain);
          assert.equal(budget(profile, { bytes: least }).summary().predictedPeakBytes, least);
          const bytes = least + Math.floor(scale * (maxBytes - least));
          assert.ok(budget(profile, { bytes }).summary().predictedPeakBytes <= bytes);
          if (least > 1) {
            assert.throws(() => budget(profile, { bytes: least - 1 }), /smallest feasible budget/);
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  test("the audit's chain: a member of 196 bytes, which budget now names (it named 216)", () => {
    // sequential(layernorm, gelu-dropout) with a 4-class head at batch 3: three stages
    const chain = sequential({
      inputs: 4,
      layers: [{ kind: "layernorm" }, { kind: "gelu-dropout", p: 0.2 }],
      classes: 4,
    });
    const profile = staticProfile(chain, 3);
    assert.equal(profile.stages.length, 3);
    const { least, members } = bruteForce(profile);
    assert.equal(members, 13);
    assert.equal(least, 196);
    assert.equal(budgetBounds(profile).minBytes, 196);
    assert.ok(budget(profile, { bytes: 215 }).summary().predictedPeakBytes <= 215);
  });

  test("on 10- and 12-stage chains too (75,025 members at 12)", { timeout: 120_000 }, () => {
    for (const [n, seed] of [[10, 1], [11, 2], [12, 3]] as const) {
      const [profile] = fc.sample(arbitrarySynthetic(n, true, n), { numRuns: 1, seed });
      const { least } = bruteForce(profile!);
      assert.equal(new FamilyModel(profile!).leastPeak().peak, least, `${n} stages`);
    }
  });
});
