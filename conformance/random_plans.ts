/**
 * Random valid plans: a walk that mixes random legal moves (extra recomputes, early frees,
 * taped or untaped forwards) with moves that make progress, so every walk ends in a
 * complete plan. For testing the scheduler and the memory model on plans no strategy makes.
 * @module
 */
import fc from "fast-check";
import type { Instruction, Plan } from "@remat/core";

/**
 * A random valid plan for `n` stages; `rand` gives numbers in [0, 1).
 *
 * @example
 * ```ts
 * import { findPlanError } from "@remat/core";
 * import { randomValidPlan } from "@remat/conformance";
 * const plan = randomValidPlan(6, Math.random);
 * findPlanError(plan, 6); // undefined: every plan it makes is valid
 * ```
 */
export function randomValidPlan(n: number, rand: () => number, noise = 0.4): Plan {
  const out: Instruction[] = [];
  const live = new Array<boolean>(n + 1).fill(false);
  live[0] = true;
  const tape = new Array<boolean>(n).fill(false);
  const grad = new Array<boolean>(n + 1).fill(false);
  let lossDone = false;
  let k = n - 1; // the next stage to reverse
  const emit = (ins: Instruction) => {
    out.push(ins);
    if (ins.op === "forward") (live[ins.stage + 1] = true), ins.record && (tape[ins.stage] = true);
    else if (ins.op === "free") live[ins.value] = false;
    else if (ins.op === "loss") (lossDone = true), (grad[n] = true);
    else (tape[ins.stage] = false), (grad[ins.stage + 1] = false), ins.stage > 0 && (grad[ins.stage] = true);
  };
  for (let guard = 0; k >= 0 && guard < 100 * n + 100; guard++) {
    if (rand() < noise) {
      const v = 1 + Math.floor(rand() * n);
      if (live[v] && rand() < 0.5) emit({ op: "free", value: v });
      else {
        const i = Math.floor(rand() * n);
        if (i <= k && live[i] && !live[i + 1]) {
          emit({ op: "forward", stage: i, record: !tape[i] && rand() < 0.5 });
        }
      }
      continue;
    }
    if (!lossDone) {
      if (live[n]) emit({ op: "loss" });
      else progressTo(n);
      continue;
    }
    if (tape[k] && grad[k + 1]) {
      emit({ op: "backward", stage: k });
      k--;
      continue;
    }
    progressTo(k, true);
  }
  for (let v = 1; v <= n; v++) if (live[v]) emit({ op: "free", value: v });
  return { strategy: "random", stages: n, instructions: out };

  // Move towards x_target live (or, with `taped`, towards a tape of stage `target`).
  function progressTo(target: number, taped = false): void {
    let j = target;
    while (!live[j]) j--;
    if (taped && j === target) {
      if (live[target + 1]) emit({ op: "free", value: target + 1 });
      else emit({ op: "forward", stage: target, record: true });
      return;
    }
    if (live[j + 1]) emit({ op: "free", value: j + 1 });
    else emit({ op: "forward", stage: j, record: !tape[j] && rand() < 0.3 });
  }
}

/**
 * fast-check arbitrary of random valid plans for `n` stages.
 *
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { findPlanError } from "@remat/core";
 * import { arbitraryPlan } from "@remat/conformance";
 * fc.assert(fc.property(arbitraryPlan(5), (plan) => findPlanError(plan, 5) === undefined));
 * ```
 */
export function arbitraryPlan(n: number): fc.Arbitrary<Plan> {
  return fc.tuple(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 0.6, noNaN: true })).map(
    ([seed, noise]) => {
      let s = seed >>> 0;
      const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
      return randomValidPlan(n, rand, noise);
    },
  );
}
