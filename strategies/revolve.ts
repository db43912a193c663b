/**
 * revolve: Griewank & Walther's binomial checkpointing (ACM TOMS 26(1), 2000) for long
 * homogeneous chains, planned in time proportional to the plan it emits (O(1) amortised per
 * instruction; no search over split points).
 *
 * Model (the automatic-differentiation convention of ALGORITHMS.md, not rotor's): `slots`
 * s ≥ 1 checkpoint slots, the one holding x_0 included; the working state is not a slot.
 * Reversing stage i re-runs it with a tape just before its backward (the last stage's taped
 * run feeds the loss); those n taped runs are not counted. The count is t(n, s), the number
 * of forwards run without a tape, the first sweep included:
 *   β(s, r) = C(s + r, s), r = min{ r : β(s, r) ≥ n }, t(n, s) = r·n − β(s + 1, r − 1),
 * the minimum of t(n, s) = min over 1 ≤ i < n of [ i + t(i, s) + t(n − i, s − 1) ],
 * t(1, s) = 0. So s = 1 costs n(n − 1)/2 and s ≥ n − 1 costs n − 1.
 *
 * As a schedule, one step of the recursion on a segment of m steps [a, a + m) with s slots
 * is a `leaf`: advance h = m − τ steps untaped from x_a, keep x_{a+h} (a slot), reverse the
 * tail of τ steps with s − 1 slots, then the head of h steps with s slots (x_a stayed). A
 * segment of one step is `single`, or `chain` with rest `loss` for the chain's last stage.
 *
 * The split rule. Let r be the segment's repetition number (β(s, r − 1) < m ≤ β(s, r)).
 * t(·, s) is convex and linear with slope r on [β(s, r − 1), β(s, r)], and by Pascal's rule
 * β(s, r) = β(s, r − 1) + β(s − 1, r) and β(s, r − 1) = β(s, r − 2) + β(s − 1, r − 1). A head
 * h ∈ [β(s, r − 2), β(s, r − 1)] (slope r − 1) and a tail τ ∈ [β(s − 1, r − 1), β(s − 1, r)]
 * (slope r with s − 1 slots) give h + t(h, s) + t(τ, s − 1) = r·m − β(s + 1, r − 2) − β(s, r − 1)
 * = r·m − β(s + 1, r − 1) = t(m, s): the minimum. We take the largest such tail:
 *   τ = min(β(s − 1, r), m − max(1, β(s, r − 2))),
 * which lies in both ranges because m lies in the sum of the two intervals. Computing r
 * costs O(r) and the leaf advances h ≥ r − 1 steps, so planning is linear in the plan.
 * The plan itself holds n + t(n, s) forwards: few slots on a long chain make a huge plan
 * (s = 10 on 100,000 stages: 2 M instructions, ~0.15 s; s = 2: 60 M instructions, ~20 s;
 * s = 1 is quadratic). Emitted without recursion (`emitSchedule` is iterative).
 * @module
 */
import { InvalidArgument, type Profile } from "@remat/core";
import type { Schedule } from "./schedule.ts";
import type { StrategyPlan } from "./strategy.ts";
import { planOf } from "./strategy.ts";

/** Options of `revolve`. */
export interface RevolveOptions {
  /** Checkpoint slots s ≥ 1, the one holding x_0 included (revolve's convention). */
  readonly slots: number;
}

/**
 * Binomial checkpointing with `slots` checkpoint slots (Griewank & Walther 2000).
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { revolve } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const plan = revolve(profile, { slots: 3 });
 * console.log(plan.summary().untapedForwards);
 * ```
 */
export function revolve(profile: Profile, options: RevolveOptions): StrategyPlan {
  const n = profile.stages.length;
  const s = options?.slots;
  if (typeof s !== "number" || !Number.isInteger(s) || s < 1) {
    throw new InvalidArgument({
      name: "slots",
      value: s,
      expected: `an integer ≥ 1: checkpoint slots, the one holding x_0 included (the chain has ${n} stages)`,
    });
  }
  return planOf(revolveSchedule(n, s), profile, `revolve(slots=${s})`);
}

/**
 * The repetition number r = min{ r : β(s, r) ≥ m } of m ≥ 1 steps with s ≥ 1 slots, with
 * β(s, r − 2) and β(s, r). O(r) steps; exact while β fits in 2^53 (β < m·(s + r)).
 */
function repetition(m: number, s: number): { r: number; beta: number; betaPrev2: number } {
  let r = 0, b = 1, b1 = 0, b2 = 0; // β(s, r), β(s, r − 1), β(s, r − 2)
  while (b < m) {
    r++;
    b2 = b1;
    b1 = b;
    b = (b * (s + r)) / r;
  }
  return { r, beta: b, betaPrev2: b2 };
}

/**
 * The tail size τ the split rule gives a segment of m ≥ 2 steps with s ≥ 1 slots: the
 * leaf advances m − τ steps, reverses the last τ with s − 1 slots, then the first m − τ.
 *
 * @example
 * ```ts
 * import { revolveSplit } from "@remat/strategies";
 * revolveSplit(10, 2); // 4: advance 6 steps, reverse the last 4 with 1 slot, then the first 6
 * ```
 */
export function revolveSplit(m: number, slots: number): number {
  const s = Math.min(slots, m); // more slots than steps change nothing
  const { r, beta, betaPrev2 } = repetition(m, s);
  const tailMax = (beta * s) / (s + r); // β(s − 1, r) = C(s + r − 1, r)
  return Math.min(tailMax, m - Math.max(1, betaPrev2));
}

/**
 * Revolve's count t(n, s): forwards run without a tape, by the closed form.
 *
 * @example
 * ```ts
 * import { revolveForwards } from "@remat/strategies";
 * revolveForwards(10, 3); // untaped forwards for 10 stages with 3 slots
 * ```
 */
export function revolveForwards(n: number, slots: number): number {
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgument({ name: "n", value: n, expected: "an integer ≥ 0" });
  }
  if (!Number.isInteger(slots) || slots < 1) {
    throw new InvalidArgument({ name: "slots", value: slots, expected: "an integer ≥ 1" });
  }
  if (n <= 1) return 0;
  const s = Math.min(slots, n);
  const { r, beta } = repetition(n, s);
  return r * n - (beta * r) / (s + 1); // β(s + 1, r − 1) = C(s + r, r − 1) = β(s, r)·r/(s + 1)
}

/**
 * The schedule of revolve with `slots` slots for a chain of n stages, built without
 * recursion (its nesting can be n deep when slots ≥ n).
 *
 * @example
 * ```ts
 * import { emitSchedule, revolveSchedule } from "@remat/strategies";
 * const plan = emitSchedule(revolveSchedule(20, 3), 20, "revolve(3)");
 * console.log(plan.instructions.length);
 * ```
 */
export function revolveSchedule(n: number, slots: number): Schedule {
  const loss: Schedule = { kind: "loss" };
  if (n === 0) return loss;
  // Work stack of numbers: [BUILD, a, b, s] solves the steps [a, b); [JOIN, a, j, 0] makes
  // the leaf from the two schedules on top of `done` (head on top, tail under it).
  const BUILD = 0, JOIN = 1;
  const work: number[] = [BUILD, 0, n, Math.min(slots, n)];
  const done: Schedule[] = [];
  while (work.length > 0) {
    const s = work.pop()!, b = work.pop()!, a = work.pop()!, op = work.pop()!;
    if (op === JOIN) {
      const head = done.pop()!;
      const tail = done.pop()!;
      done.push({ kind: "leaf", from: a, to: b, tail, head });
      continue;
    }
    const m = b - a;
    if (m === 1) {
      done.push(b === n ? { kind: "chain", stage: a, rest: loss } : { kind: "single", stage: a });
      continue;
    }
    const j = b - revolveSplit(m, s);
    // Popped in reverse: the tail is built first, then the head, then they are joined.
    work.push(JOIN, a, j, 0, BUILD, a, j, s, BUILD, j, b, s - 1);
  }
  return done[0]!;
}
