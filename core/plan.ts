/**
 * Plans: flat instruction lists a scheduler executes literally, and their validator.
 *
 * Values: x_0 is the batch (always live, outside the budget); x_{i+1} is stage i's output.
 * - `forward i (record)`: needs x_i live and x_{i+1} not live; makes x_{i+1}, and tape_i if recording.
 * - `loss`: needs x_n; makes g_n = ∂loss/∂x_n.
 * - `backward i`: needs tape_i and g_{i+1}; consumes both; makes g_i (for i > 0).
 * - `free v`: drops x_v (1 ≤ v ≤ n).
 * A plan is complete when the loss ran once, every stage was reversed once, and nothing is
 * left live but x_0.
 * @module
 */
import { keptOps, type TapePolicy } from "./tape_policy.ts";
import { activationShapes, type Chain } from "./chain.ts";
import { PlanInvalid, PlanMismatch } from "./errors.ts";
import { sizeOf } from "./tensor.ts";

/** One scheduler instruction. */
export type Instruction =
  | {
    readonly op: "forward";
    readonly stage: number;
    readonly record: boolean;
    /** With `record`: what the tape keeps (tape_policy.ts); absent: the whole tape. */
    readonly policy?: TapePolicy;
  }
  | { readonly op: "loss" }
  | { readonly op: "backward"; readonly stage: number }
  | { readonly op: "free"; readonly value: number };

/** What a plan was made for: the chain, the batch and the bytes of every activation it plans with. */
export interface PlanTarget {
  /** The chain's name (its configuration included). */
  readonly chain: string;
  /** The batch size. */
  readonly batch: number;
  /** Bytes of x_1..x_n at that batch. */
  readonly outputBytes: ReadonlyArray<number>;
  /** The user-defined kernels the chain runs, which a backend must implement. */
  readonly kernels?: ReadonlyArray<string>;
}

/** A plan for a chain of `stages` stages. */
export interface Plan {
  /** Which strategy made it, with its parameters, for display. */
  readonly strategy: string;
  /** Number of stages of the chain the plan is for. */
  readonly stages: number;
  /** The instructions, executed in order. */
  readonly instructions: ReadonlyArray<Instruction>;
  /**
   * The chain and batch the plan was made for (strategies record their profile's); running it
   * on another is a `PlanMismatch`. Absent on a hand-made plan, which then runs on any chain
   * of `stages` stages.
   */
  readonly madeFor?: PlanTarget;
}

/**
 * `forward 3 record`, `backward 3`, `free x4`, `loss`.
 *
 * @example
 * ```ts
 * import { formatInstruction } from "@remat/core";
 * formatInstruction({ op: "forward", stage: 3, record: true }); // "forward 3 record"
 * ```
 */
export function formatInstruction(ins: Instruction): string {
  switch (ins.op) {
    case "forward":
      return `forward ${ins.stage}${ins.record ? " record" : ""}${ins.policy ? ` ${ins.policy}` : ""}`;
    case "backward":
      return `backward ${ins.stage}`;
    case "free":
      return `free x${ins.value}`;
    case "loss":
      return "loss";
    default:
      return JSON.stringify(ins);
  }
}

/**
 * The plan that records every stage and recomputes nothing.
 *
 * @example
 * ```ts
 * import { formatPlan, storeAllPlan } from "@remat/core";
 * console.log(formatPlan(storeAllPlan(3)));
 * ```
 */
export function storeAllPlan(stages: number): Plan {
  const instructions: Instruction[] = [];
  for (let i = 0; i < stages; i++) instructions.push({ op: "forward", stage: i, record: true });
  instructions.push({ op: "loss" }, { op: "free", value: stages });
  for (let i = stages - 1; i >= 0; i--) {
    instructions.push({ op: "backward", stage: i });
    if (i > 0) instructions.push({ op: "free", value: i });
  }
  return { strategy: "storeAll", stages, instructions };
}

/**
 * The first reason the plan cannot run on a chain of `stages` stages, or undefined if it can.
 *
 * @example
 * ```ts
 * import { findPlanError, storeAllPlan } from "@remat/core";
 * findPlanError(storeAllPlan(4), 4); // undefined
 * findPlanError({ strategy: "bad", stages: 1, instructions: [{ op: "loss" }] }, 1)?.message;
 * // "invalid plan at instruction 0 (loss): x1 (the chain's output) is not live"
 * ```
 */
export function findPlanError(plan: Plan, stages: number): PlanInvalid | undefined {
  const n = stages;
  const fail = (index: number, reason: string) =>
    new PlanInvalid({
      index,
      instruction: plan.instructions[index] ? formatInstruction(plan.instructions[index]!) : "(end of plan)",
      reason,
    });
  if (plan.stages !== n) return fail(-1, `plan is for ${plan.stages} stages but the chain has ${n}`);
  const live = new Array<boolean>(n + 1).fill(false);
  live[0] = true;
  const tape = new Array<boolean>(n).fill(false);
  const grad = new Array<boolean>(n + 1).fill(false);
  const reversed = new Array<boolean>(n).fill(false);
  let lossDone = false;
  const stageOk = (s: unknown) => Number.isInteger(s) && (s as number) >= 0 && (s as number) < n;
  for (let idx = 0; idx < plan.instructions.length; idx++) {
    const ins = plan.instructions[idx]!;
    switch (ins.op) {
      case "forward": {
        const i = ins.stage;
        if (!stageOk(i)) return fail(idx, `stage ${i} is out of range 0..${n - 1}`);
        if (!live[i]) return fail(idx, `x${i} is used before it is computed (or after it was freed)`);
        if (live[i + 1]) return fail(idx, `x${i + 1} is already live; free it before recomputing`);
        if (reversed[i]) return fail(idx, `stage ${i} was already reversed`);
        if (ins.record && tape[i]) return fail(idx, `tape ${i} already exists`);
        if (ins.policy !== undefined) {
          if (!ins.record) return fail(idx, `a policy (${ins.policy}) without record: only a tape has one`);
          try {
            keptOps(ins.policy);
          } catch {
            return fail(
              idx,
              `unknown tape policy "${ins.policy}" (saveAll, saveNothing, saveMatmuls, save:<op>,…)`,
            );
          }
        }
        live[i + 1] = true;
        if (ins.record) tape[i] = true;
        break;
      }
      case "loss":
        if (lossDone) return fail(idx, "the loss runs twice");
        if (!live[n]) return fail(idx, `x${n} (the chain's output) is not live`);
        lossDone = true;
        grad[n] = true;
        break;
      case "backward": {
        const i = ins.stage;
        if (!stageOk(i)) return fail(idx, `stage ${i} is out of range 0..${n - 1}`);
        if (!tape[i]) return fail(idx, `backward ${i} has no tape: run "forward ${i} record" first`);
        if (!grad[i + 1]) return fail(idx, `backward ${i} needs g${i + 1}, which does not exist yet`);
        tape[i] = false;
        grad[i + 1] = false;
        reversed[i] = true;
        if (i > 0) grad[i] = true;
        break;
      }
      case "free": {
        const v = ins.value;
        if (!Number.isInteger(v) || v < 1 || v > n) return fail(idx, `value x${v} is out of range x1..x${n}`);
        if (!live[v]) return fail(idx, `x${v} is freed but not live (double free or never computed)`);
        live[v] = false;
        break;
      }
      default:
        return fail(
          idx,
          `unknown instruction ${JSON.stringify(ins)}; valid ops: forward, loss, backward, free`,
        );
    }
  }
  const end = plan.instructions.length;
  if (!lossDone) return fail(end, "the loss never runs");
  const missing = reversed.findIndex((r) => !r);
  if (missing >= 0) return fail(end, `the chain is not fully reversed: stage ${missing} has no backward`);
  const leaked = live.findIndex((l, v) => l && v > 0);
  if (leaked >= 0) return fail(end, `x${leaked} is still live at the end; free it`);
  const leakedTape = tape.findIndex((t) => t);
  if (leakedTape >= 0) return fail(end, `tape ${leakedTape} is still live at the end`);
  return undefined;
}

/**
 * Throws the PlanInvalid if the plan cannot run.
 *
 * @example
 * ```ts
 * import { storeAllPlan, validatePlan } from "@remat/core";
 * validatePlan(storeAllPlan(4), 4); // returns; a broken plan throws PlanInvalid
 * ```
 */
export function validatePlan(plan: Plan, stages: number): void {
  const e = findPlanError(plan, stages);
  if (e) throw e;
}

/**
 * A readable listing: one instruction per line, numbered.
 *
 * @example
 * ```ts
 * import { formatPlan, storeAllPlan } from "@remat/core";
 * console.log(formatPlan(storeAllPlan(2)));
 * // plan storeAll for 2 stages, 7 instructions
 * //    0  forward 0 record
 * //    ...
 * ```
 */
export function formatPlan(plan: Plan): string {
  const lines = plan.instructions.map((ins, i) => `${String(i).padStart(4)}  ${formatInstruction(ins)}`);
  return [
    `plan ${plan.strategy} for ${plan.stages} stages, ${plan.instructions.length} instructions`,
    ...lines,
  ]
    .join("\n");
}

/**
 * Throws `PlanMismatch` unless `plan` was made for `chain` at `batch` (or records nothing):
 * the chain's name, the batch and the bytes of every activation must all agree.
 *
 * @example
 * ```ts
 * import { checkPlanTarget, mlp, storeAllPlan } from "@remat/core";
 * const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 2, inputs: 2 });
 * checkPlanTarget(storeAllPlan(chain.stages.length), chain, 32); // a hand-made plan: no check
 * ```
 */
export function checkPlanTarget(plan: Plan, chain: Chain, batch: number): void {
  const t = plan.madeFor;
  if (!t) return;
  const fail = (reason: string) => {
    throw new PlanMismatch({
      planned: { chain: t.chain, batch: t.batch },
      given: { chain: chain.name, batch },
      reason,
    });
  };
  if (t.chain !== chain.name) fail("the chain differs");
  if (t.batch !== batch) fail("the batch differs");
  const bytes = activationShapes(chain, batch).slice(1).map((s) => 4 * sizeOf(s));
  const i = bytes.findIndex((b, j) => b !== t.outputBytes[j]);
  if (i >= 0 || bytes.length !== t.outputBytes.length) {
    fail(`x_${i + 1} takes ${bytes[i]} bytes, planned ${t.outputBytes[i]}`);
  }
}
