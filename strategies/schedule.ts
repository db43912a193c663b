/**
 * Schedules: the recursive shape every strategy's plan takes, and its emission as a flat
 * plan. A schedule solves a segment [i, l] of the chain (l = n is the loss): starting with
 * x_i live (and g_{l+1}, when l < n), it ends with the segment reversed, g_i made and x_i
 * freed. Checkpoints stay until their segment is reversed (rotor's model class).
 * @module
 */
import type { Instruction, Plan, TapePolicy } from "@remat/core";

/** A recorded forward, with its tape policy when it has one. */
function recordOf(stage: number, policy: TapePolicy | undefined): Instruction {
  return policy === undefined || policy === "saveAll"
    ? { op: "forward", stage, record: true }
    : { op: "forward", stage, record: true, policy };
}

/** How a segment [i, l] is solved. */
export type Schedule =
  /** [n, n]: the loss, then free x_n. */
  | { readonly kind: "loss" }
  /** [i, i], i < n: forward i with tape (under `policy`, if any), free x_i and x_{i+1}, backward i. */
  | { readonly kind: "single"; readonly stage: number; readonly policy?: TapePolicy }
  /** [i, l]: forward i with tape (under `policy`, if any), free x_i, solve [i+1, l], backward i. */
  | { readonly kind: "chain"; readonly stage: number; readonly rest: Schedule; readonly policy?: TapePolicy }
  /**
   * [i, l]: forward i..j-1 without tape keeping x_j (freeing the ones between), solve
   * [j, l] (`tail`), then solve [i, j-1] (`head`) from x_i, which stayed.
   */
  | {
    readonly kind: "leaf";
    readonly from: number;
    readonly to: number;
    readonly tail: Schedule;
    readonly head: Schedule;
  };

/**
 * The flat plan of a schedule for a chain of `n` stages (the schedule solves [0, n]).
 * Iterative, so schedules nested tens of thousands deep emit without overflowing the stack.
 *
 * @example
 * ```ts
 * import { formatPlan } from "@remat/core";
 * import { checkpointSchedule, emitSchedule } from "@remat/strategies";
 * const plan = emitSchedule(checkpointSchedule([2], 4), 4, "checkpoint x2");
 * console.log(formatPlan(plan));
 * ```
 */
export function emitSchedule(schedule: Schedule, n: number, strategy: string): Plan {
  const out: Instruction[] = [];
  // Work items: a schedule still to emit, or an instruction to push when reached (the
  // backward a chain node emits after its rest).
  const work: Array<Schedule | Instruction> = [schedule];
  while (work.length > 0) {
    const item = work.pop()!;
    if ("op" in item) {
      out.push(item);
      continue;
    }
    switch (item.kind) {
      case "loss":
        out.push({ op: "loss" });
        if (n >= 1) out.push({ op: "free", value: n });
        break;
      case "single":
        out.push(recordOf(item.stage, item.policy));
        if (item.stage >= 1) out.push({ op: "free", value: item.stage });
        out.push({ op: "free", value: item.stage + 1 });
        out.push({ op: "backward", stage: item.stage });
        break;
      case "chain":
        out.push(recordOf(item.stage, item.policy));
        if (item.stage >= 1) out.push({ op: "free", value: item.stage });
        work.push({ op: "backward", stage: item.stage }, item.rest);
        break;
      case "leaf":
        for (let k = item.from; k < item.to; k++) {
          out.push({ op: "forward", stage: k, record: false });
          if (k > item.from && k >= 1) out.push({ op: "free", value: k });
        }
        work.push(item.head, item.tail);
        break;
    }
  }
  return { strategy, stages: n, instructions: out };
}

/**
 * Solves [i, n] with tapes all the way: no recomputation.
 *
 * @example
 * ```ts
 * import { chainAll, emitSchedule } from "@remat/strategies";
 * emitSchedule(chainAll(0, 3), 3, "no recomputation"); // every stage recorded once, nothing recomputed
 * ```
 */
export function chainAll(i: number, n: number): Schedule {
  let s: Schedule = { kind: "loss" };
  for (let k = n - 1; k >= i; k--) s = { kind: "chain", stage: k, rest: s };
  return s;
}

/**
 * Solves [i, l] (l < n) with tapes all the way, after its output's gradient exists.
 *
 * @example
 * ```ts
 * import { chainSegment } from "@remat/strategies";
 * const segment = chainSegment(2, 4); // stages 2..4 recorded and reversed in one go
 * ```
 */
export function chainSegment(i: number, l: number): Schedule {
  let s: Schedule = { kind: "single", stage: l };
  for (let k = l - 1; k >= i; k--) s = { kind: "chain", stage: k, rest: s };
  return s;
}

/**
 * Checkpoints at the given stage inputs (ascending, each in 1..n-1): the first sweep runs
 * untaped and keeps them, each segment between two is recomputed once with tapes, and the
 * last segment (up to the loss) runs with tapes in the first sweep.
 *
 * @example
 * ```ts
 * import { checkpointSchedule, emitSchedule } from "@remat/strategies";
 * const plan = emitSchedule(checkpointSchedule([4, 8], 12), 12, "checkpoints x4, x8");
 * ```
 */
export function checkpointSchedule(checkpoints: ReadonlyArray<number>, n: number): Schedule {
  const bounds = [0, ...checkpoints];
  let s: Schedule = chainAll(bounds[bounds.length - 1]!, n);
  for (let c = bounds.length - 2; c >= 0; c--) {
    const from = bounds[c]!, to = bounds[c + 1]!;
    s = { kind: "leaf", from, to, tail: s, head: chainSegment(from, to - 1) };
  }
  return s;
}
