import type { Instruction, Plan } from "@remat/core";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { findPlanError, InvalidArgument, predictPlan, type Profile, staticProfile } from "@remat/core";
import { arbitraryChain, homogeneousProfile } from "@remat/conformance";
import { revolve, revolveForwards, revolveSchedule, revolveSplit } from "./revolve.ts";
import { checkpointSchedule, emitSchedule, type Schedule } from "./schedule.ts";
import { storeAll } from "./store_all.ts";

/** n identical stages of 1 KiB activations and 2 KiB tapes. */
const homogeneousSmall = (n: number): Profile =>
  homogeneousProfile(n, {
    outputBytes: 1024,
    tapeBytes: 2048,
    forwardPeakRecord: 3072,
    forwardPeakDiscard: 1024,
    backwardPeak: 2048,
  }, { peak: 1024, time: 0.5 });

const C = (n: number, k: number): number => {
  if (k < 0 || k > n) return 0;
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
};
const beta = (s: number, r: number) => (r < 0 ? 0 : C(s + r, s));
/** The closed form, written independently of revolve.ts: r = min{r : β(s, r) ≥ n}, t = r·n − β(s+1, r−1). */
function closedForm(n: number, s: number): number {
  let r = 0;
  while (beta(s, r) < n) r++;
  return r * n - beta(s + 1, r - 1);
}

const N = 200, S = 10;
/** The recursion t(n, s) = min_i [i + t(i, s) + t(n − i, s − 1)], t(1, s) = 0, tails of one step need no slot. */
const recursion: number[][] = (() => {
  const t: number[][] = [];
  for (let s = 0; s <= S; s++) t.push(new Array<number>(N + 1).fill(Infinity));
  for (let s = 0; s <= S; s++) t[s]![1] = 0;
  for (let s = 1; s <= S; s++) {
    for (let n = 2; n <= N; n++) {
      let best = Infinity;
      for (let i = 1; i < n; i++) best = Math.min(best, i + t[s]![i]! + t[s - 1]![n - i]!);
      t[s]![n] = best;
    }
  }
  return t;
})();

describe("revolve", () => {
  test("the closed form matches ALGORITHMS.md's oracle values", () => {
    const oracle: Array<[number, number, number]> = [
      [2, 1, 1],
      [3, 1, 3],
      [5, 1, 10],
      [10, 1, 45],
      [10, 2, 20],
      [10, 3, 15],
      [
        10,
        9,
        9,
      ],
      [20, 3, 45],
    ];
    for (const [n, s, t] of oracle) {
      assert.equal(revolveForwards(n, s), t, `t(${n}, ${s})`);
      assert.equal(closedForm(n, s), t, `independent closed form t(${n}, ${s})`);
      assert.equal(recursion[s]![n], t, `recursion t(${n}, ${s})`);
    }
  });

  test("the closed form equals the recursion's minimum for every n ≤ 200, s ≤ 10", () => {
    for (let s = 1; s <= S; s++) {
      for (let n = 1; n <= N; n++) {
        assert.equal(revolveForwards(n, s), recursion[s]![n], `t(${n}, ${s})`);
        assert.equal(closedForm(n, s), recursion[s]![n], `independent t(${n}, ${s})`);
      }
    }
  });

  test("the O(1) split rule achieves the recursion's minimum for every m ≤ 200, s ≤ 10", () => {
    for (let s = 1; s <= S; s++) {
      for (let m = 2; m <= N; m++) {
        const tail = revolveSplit(m, s);
        const head = m - tail;
        assert.ok(
          Number.isInteger(tail) && tail >= 1 && head >= 1,
          `split of ${m} with ${s} slots: tail ${tail}`,
        );
        assert.equal(
          head + recursion[s]![head]! + recursion[s - 1]![tail]!,
          recursion[s]![m],
          `split of ${m} with ${s} slots`,
        );
      }
    }
  });

  test("the emitted plan's untaped forwards (predictPlan) equal t(n, s) for every n ≤ 200, s ≤ 10", () => {
    for (let n = 1; n <= N; n++) {
      const profile = homogeneousSmall(n);
      for (let s = 1; s <= S; s++) {
        const plan = revolve(profile, { slots: s });
        assert.equal(predictPlan(profile, plan).untapedForwards, closedForm(n, s), `n=${n}, s=${s}`);
        if (n <= 60) assert.equal(findPlanError(plan, n), undefined, `n=${n}, s=${s}`);
      }
    }
  });

  test("s ≥ n − 1 slots cost exactly n − 1 untaped forwards, and more slots change nothing", () => {
    for (let n = 2; n <= 80; n++) {
      const profile = homogeneousSmall(n);
      for (const s of [n - 1, n, n + 5, 1_000_000]) {
        if (s < 1) continue;
        const plan = revolve(profile, { slots: s });
        assert.equal(predictPlan(profile, plan).untapedForwards, n - 1, `n=${n}, s=${s}`);
        assert.equal(revolveForwards(n, s), n - 1);
        assert.equal(findPlanError(plan, n), undefined);
      }
    }
  });

  test("one slot re-advances from x_0 for every reversal: n(n − 1)/2", () => {
    for (let n = 1; n <= 40; n++) {
      const plan = revolve(homogeneousSmall(n), { slots: 1 });
      assert.equal(predictPlan(homogeneousSmall(n), plan).untapedForwards, (n * (n - 1)) / 2);
    }
  });

  test("plans on random chains are valid, every stage runs taped once, and the summary agrees", () => {
    fc.assert(
      fc.property(
        arbitraryChain(1, 24),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 30 }),
        (chain, batch, s) => {
          const profile = staticProfile(chain, batch);
          const n = profile.stages.length;
          const plan = revolve(profile, { slots: s });
          assert.equal(findPlanError(plan, n), undefined);
          assert.equal(plan.strategy, `revolve(slots=${s})`);
          const taped = new Array<number>(n).fill(0);
          for (const ins of plan.instructions) if (ins.op === "forward" && ins.record) taped[ins.stage]!++;
          assert.deepEqual(taped, new Array<number>(n).fill(1));
          const summary = plan.summary();
          assert.equal(summary.untapedForwards, revolveForwards(n, s));
          assert.equal(summary.predictedPeakBytes, predictPlan(profile, plan).peakBytes);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("an empty chain is just the loss", () => {
    const plan = revolve(homogeneousSmall(0), { slots: 3 });
    assert.deepEqual(plan.instructions, [{ op: "loss" }]);
    assert.equal(findPlanError(plan, 0), undefined);
  });

  test("100,000 stages: the count is t(n, s) and the plan is valid", () => {
    const n = 100_000;
    const profile = homogeneousSmall(n);
    for (const s of [10, 316]) {
      const plan = revolve(profile, { slots: s });
      assert.equal(predictPlan(profile, plan).untapedForwards, revolveForwards(n, s));
      assert.equal(findPlanError(plan, n), undefined);
    }
    // t(100000, 10): r = 10 (β(10, 9) = 92378 < n ≤ β(10, 10) = 184756), t = 10n − C(20, 11).
    assert.equal(revolveForwards(n, 10), 10 * n - 167960);
  });

  test("slots ≥ n emit schedules nested n deep without overflowing the stack", () => {
    const n = 100_000;
    const plan = revolve(homogeneousSmall(n), { slots: n });
    assert.equal(predictPlan(homogeneousSmall(n), plan).untapedForwards, n - 1);
  });

  test("bad slots throw InvalidArgument naming the value", () => {
    const profile = homogeneousSmall(5);
    for (const slots of [0, -1, 1.5, NaN, Infinity]) {
      assert.throws(() => revolve(profile, { slots }), (e: unknown) => {
        assert.ok(e instanceof InvalidArgument);
        assert.equal(e.name, "slots");
        assert.match(e.message, /invalid slots: got .*; expected an integer ≥ 1/);
        assert.ok(e.message.includes(`got ${String(slots)};`), e.message);
        return true;
      });
    }
    assert.throws(() => revolve(profile, { slots: "3" as unknown as number }), /invalid slots: got "3"/);
    assert.throws(() => revolve(profile, {} as { slots: number }), InvalidArgument);
  });
});

describe("emitSchedule", () => {
  /** The schedule definition read literally, recursively: the reference the iterative emitter must match. */
  function emitRecursive(schedule: Schedule, n: number, strategy: string): Plan {
    const out: Instruction[] = [];
    const free = (v: number) => v >= 1 && out.push({ op: "free", value: v });
    const emit = (s: Schedule): void => {
      switch (s.kind) {
        case "loss":
          out.push({ op: "loss" });
          free(n);
          return;
        case "single":
          out.push({ op: "forward", stage: s.stage, record: true });
          free(s.stage);
          free(s.stage + 1);
          out.push({ op: "backward", stage: s.stage });
          return;
        case "chain":
          out.push({ op: "forward", stage: s.stage, record: true });
          free(s.stage);
          emit(s.rest);
          out.push({ op: "backward", stage: s.stage });
          return;
        case "leaf":
          for (let k = s.from; k < s.to; k++) {
            out.push({ op: "forward", stage: k, record: false });
            if (k > s.from) free(k);
          }
          emit(s.tail);
          emit(s.head);
          return;
      }
    };
    emit(schedule);
    return { strategy, stages: n, instructions: out };
  }

  /** A random schedule solving [i, l] (l = n: with the loss), from a seeded generator. */
  function randomSchedule(n: number, seed: number): Schedule {
    let x = seed >>> 0 || 1;
    const rand = (k: number) => {
      x ^= x << 13, x ^= x >>> 17, x ^= x << 5;
      return (x >>> 0) % k;
    };
    const solve = (i: number, l: number): Schedule => {
      if (i === l) return l === n ? { kind: "loss" } : { kind: "single", stage: i };
      if (rand(2) === 0) return { kind: "chain", stage: i, rest: solve(i + 1, l) };
      const j = i + 1 + rand(l - i); // in (i, l]
      return { kind: "leaf", from: i, to: j, tail: solve(j, l), head: solve(i, j - 1) };
    };
    return solve(0, n);
  }

  test("emitSchedule emits what the recursive definition does on random schedules", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (n, seed) => {
        const schedule = randomSchedule(n, seed);
        const a = emitRecursive(schedule, n, "x");
        const b = emitSchedule(schedule, n, "x");
        assert.deepEqual(b, a);
        assert.equal(findPlanError(b, n), undefined);
      }),
      { numRuns: 300 },
    );
  });

  test("emitSchedule emits what the recursive definition does for revolve and checkpoint schedules", () => {
    for (let n = 0; n <= 25; n++) {
      for (let s = 1; s <= 6; s++) {
        const schedule = revolveSchedule(n, s);
        assert.deepEqual(emitSchedule(schedule, n, "r"), emitRecursive(schedule, n, "r"));
      }
      const every2 = checkpointSchedule(
        Array.from({ length: Math.max(0, Math.ceil(n / 2) - 1) }, (_, k) => 2 * (k + 1)),
        n,
      );
      assert.deepEqual(emitSchedule(every2, n, "c"), emitRecursive(every2, n, "c"));
    }
  });

  test("emitSchedule emits a chain nested 50,000 deep", () => {
    const n = 50_000;
    const plan = storeAll(homogeneousSmall(50));
    assert.equal(findPlanError(plan, 50), undefined);
    let s: Schedule = { kind: "loss" };
    for (let k = n - 1; k >= 0; k--) s = { kind: "chain", stage: k, rest: s };
    const big = emitSchedule(s, n, "deep");
    assert.equal(big.instructions.length, 3 * n + 1);
    assert.equal(findPlanError(big, n), undefined);
  });
});
