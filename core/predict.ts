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
import type { Profile } from "./profile.ts";

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

/** Predicts a (valid) plan's peak bytes and time from a profile. */
export function predictPlan(profile: Profile, plan: Plan): Prediction {
  const st = profile.stages;
  const n = st.length;
  if (plan.stages !== n) {
    throw new InvalidArgument({ name: "plan.stages", value: plan.stages, expected: `${n}, the profile's stage count` });
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
  const refresh = (k: number) => {
    if (k < 1 || k > n) return;
    const s = slotV[k]!, i = inV[k]!, o = outV[k]!;
    const distinct = (s ? 1 : 0) + (i && i !== s ? 1 : 0) + (o && o !== s && o !== i ? 1 : 0);
    const bytes = distinct * a(k);
    live += bytes - countedBytes[k]!;
    countedBytes[k] = bytes;
  };
  for (const ins of plan.instructions) {
    switch (ins.op) {
      case "forward": {
        const s = st[ins.stage]!;
        peak = Math.max(peak, live + (ins.record ? s.forwardPeakRecord : s.forwardPeakDiscard));
        time += s.forwardTime;
        forwards[ins.stage]!++;
        const v = nextVersion++;
        slotV[ins.stage + 1] = v;
        if (ins.record) {
          live += s.tapeBytes;
          if (s.tapeHoldsInput) inV[ins.stage] = slotV[ins.stage]!;
          if (s.tapeHoldsOutput) outV[ins.stage + 1] = v;
        } else untaped++;
        refresh(ins.stage);
        refresh(ins.stage + 1);
        break;
      }
      case "loss":
        peak = Math.max(peak, live + profile.loss.peak);
        time += profile.loss.time;
        live += a(n);
        break;
      case "backward": {
        const i = ins.stage;
        const s = st[i]!;
        peak = Math.max(peak, live + s.backwardPeak);
        time += s.backwardTime;
        inV[i] = 0;
        outV[i + 1] = 0;
        live -= s.tapeBytes + a(i + 1);
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
    peak = Math.max(peak, live);
  }
  return { peakBytes: peak, time, forwards, untapedForwards: untaped };
}
