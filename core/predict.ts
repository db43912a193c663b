/**
 * The memory model: a plan's peak activation bytes and time from a profile, by replaying
 * the plan's effect on live buffers instruction by instruction. It counts exactly what the
 * scheduler's accountant counts (each version of x_k once while its slot or a tape holding
 * it is alive, tapes, gradients, and each instruction's transient peak), so predicted peak
 * = measured peak. O(1) per instruction.
 * @module
 */
import { InvalidArgument } from "./errors.ts";
import type { Plan } from "./plan.ts";
import type { Profile, StageProfile } from "./profile.ts";

/** What a plan is predicted to cost. */
export interface Prediction {
  /** Peak live activation-side bytes. */
  readonly peakBytes: number;
  /** Sum of the profile's times of every instruction, milliseconds. */
  readonly time: number;
  /** Forward executions per stage. */
  readonly forwards: ReadonlyArray<number>;
  /** Forward executions without a tape (recomputations and checkpointing sweeps). */
  readonly untapedForwards: number;
}

/** One instruction as the memory model replays it. */
export interface TraceStep {
  /** Predicted time at which it starts, milliseconds from the start of the step. */
  readonly start: number;
  /** Predicted time at which it ends, milliseconds (equal to `start` for `free`). */
  readonly end: number;
  /** Live activation-side bytes after it. */
  readonly liveBytes: number;
  /** Highest live bytes while it runs (its transient peak included). */
  readonly peakBytes: number;
}

/** A plan replayed instruction by instruction: `steps[i]` belongs to `plan.instructions[i]`. */
export interface PlanTrace {
  /** One step per instruction, in the plan's order. */
  readonly steps: ReadonlyArray<TraceStep>;
}

/**
 * Predicts a (valid) plan's peak bytes and time from a profile.
 *
 * @param profile The chain's profile (bytes and times per stage).
 * @param plan A plan for a chain with as many stages as the profile.
 * @returns The predicted peak, time, forwards per stage and untaped forwards.
 * @example
 * ```ts
 * import { mlp, predictPlan, staticProfile, storeAllPlan } from "@remat/core";
 * const profile = staticProfile(mlp({ depth: 4, width: 32, hidden: 64, classes: 10 }), 8);
 * console.log(predictPlan(profile, storeAllPlan(profile.stages.length)).peakBytes);
 * ```
 */
export function predictPlan(profile: Profile, plan: Plan): Prediction {
  return replay(profile, plan);
}

/**
 * Replays a (valid) plan under the same memory model as `predictPlan`, returning each
 * instruction's predicted start and end time, live bytes after it and peak bytes during it;
 * the steps' highest `peakBytes` is `predictPlan`'s `peakBytes` and the last `end` its `time`.
 *
 * @param profile The chain's profile (bytes and times per stage).
 * @param plan A plan for a chain with as many stages as the profile.
 * @returns One step per instruction, in order.
 * @example
 * ```ts
 * import { mlp, staticProfile, storeAllPlan, tracePlan } from "@remat/core";
 * const profile = staticProfile(mlp({ depth: 4, width: 32, hidden: 64, classes: 10 }), 8);
 * const { steps } = tracePlan(profile, storeAllPlan(profile.stages.length));
 * console.log(Math.max(...steps.map((s) => s.peakBytes)), steps.at(-1)?.end);
 * ```
 */
export function tracePlan(profile: Profile, plan: Plan): PlanTrace {
  const steps: TraceStep[] = [];
  replay(profile, plan, (step) => steps.push(step));
  return { steps };
}

/** The one replay both `predictPlan` and `tracePlan` run; `visit` sees every instruction's step. */
function replay(profile: Profile, plan: Plan, visit?: (step: TraceStep) => void): Prediction {
  const st = profile.stages;
  const n = st.length;
  if (plan.stages !== n) {
    throw new InvalidArgument({
      name: "plan.stages",
      value: plan.stages,
      expected: `${n}, the profile's stage count`,
    });
  }
  const a = (k: number) => (k === 0 ? 0 : st[k - 1]!.outputBytes);
  // x_k may exist in several versions: the slot's, and older ones a tape still holds after
  // the slot was freed and recomputed. Each holder names the version it holds (0 = none).
  const slotV = new Int32Array(n + 1); // version in the slot
  const inV = new Int32Array(n + 1); // version of x_k held by tape k (its input)
  const outV = new Int32Array(n + 1); // version of x_k held by tape k-1 (its output)
  const countedBytes = new Float64Array(n + 1);
  let nextVersion = 1;
  let live = 0;
  let peak = 0;
  let time = 0;
  let untaped = 0;
  const forwards = new Array<number>(n).fill(0);
  /** The mode each live tape was recorded in (the stage's own fields for a whole tape). */
  const tapeMode = new Array<TapeModeFields>(n);
  const refresh = (k: number) => {
    if (k < 1 || k > n) return;
    const s = slotV[k]!, i = inV[k]!, o = outV[k]!;
    const distinct = (s ? 1 : 0) + (i && i !== s ? 1 : 0) + (o && o !== s && o !== i ? 1 : 0);
    const bytes = distinct * a(k);
    live += bytes - countedBytes[k]!;
    countedBytes[k] = bytes;
  };
  for (const ins of plan.instructions) {
    const before = live, start = time;
    let transient = 0; // bytes above the starting live total while the instruction runs
    switch (ins.op) {
      case "forward": {
        const s = st[ins.stage]!;
        const m = ins.record ? modeOf(s, ins.stage, ins.policy) : undefined;
        transient = m ? m.forwardPeakRecord : s.forwardPeakDiscard;
        time += s.forwardTime;
        forwards[ins.stage]!++;
        const v = nextVersion++;
        slotV[ins.stage + 1] = v;
        if (m) {
          tapeMode[ins.stage] = m;
          live += m.tapeBytes;
          if (m.tapeHoldsInput) inV[ins.stage] = slotV[ins.stage]!;
          if (m.tapeHoldsOutput) outV[ins.stage + 1] = v;
        } else untaped++;
        refresh(ins.stage);
        refresh(ins.stage + 1);
        break;
      }
      case "loss":
        transient = profile.loss.peak;
        time += profile.loss.time;
        live += a(n);
        break;
      case "backward": {
        const i = ins.stage;
        const s = st[i]!, m = tapeMode[i] ?? modeOf(s, i, undefined);
        transient = m.backwardPeak;
        time += s.backwardTime + m.replayTime;
        inV[i] = 0;
        outV[i + 1] = 0;
        live -= m.tapeBytes + a(i + 1);
        if (i > 0) live += a(i);
        refresh(i);
        refresh(i + 1);
        break;
      }
      case "free":
        slotV[ins.value] = 0;
        refresh(ins.value);
        break;
    }
    const stepPeak = Math.max(before + transient, before, live);
    peak = Math.max(peak, stepPeak);
    visit?.({ start, end: time, liveBytes: live, peakBytes: stepPeak });
  }
  return { peakBytes: peak, time, forwards, untapedForwards: untaped };
}

/** What the memory model reads of a recorded tape. */
type TapeModeFields =
  & Pick<
    StageProfile,
    "tapeBytes" | "tapeHoldsInput" | "tapeHoldsOutput" | "forwardPeakRecord" | "backwardPeak"
  >
  & { readonly replayTime: number };

/** Stage `i` recorded under `policy`: the stage's own fields for a whole tape, else its mode. */
function modeOf(s: StageProfile, i: number, policy: string | undefined): TapeModeFields {
  if (policy === undefined || policy === "saveAll") return { ...s, replayTime: 0 };
  const m = s.modes?.find((x) => x.policy === policy);
  if (!m) {
    throw new InvalidArgument({
      name: `policy of stage ${i}`,
      value: policy,
      expected: `a policy the profile has modes for (${
        ["saveAll", ...(s.modes ?? []).map((x) => x.policy)].join(", ")
      })`,
    });
  }
  return m;
}
