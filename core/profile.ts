/**
 * Profiles: per stage, the bytes a plan's memory depends on and the time of its forward
 * and backward. Bytes come from running each stage once on the meta backend through the
 * scheduler's own stage operations, so they are exact for every backend; times come from
 * the ops' cost model (static) or from measurement on a backend (`measureProfile`).
 * @module
 */
import type { Backend } from "./backend.ts";
import { activationShapes, type Chain, targetDType } from "./chain.ts";
import { MetaBackend } from "./meta_backend.ts";
import { initParams, type Params, releaseParams } from "./params.ts";
import { Step } from "./step.ts";
import { sizeOf, type Tensor } from "./tensor.ts";
import { NAMED_POLICIES, type TapePolicy } from "./tape_policy.ts";

/** What a plan needs to know of one stage. Bytes are exact; times are in milliseconds. */
export interface StageProfile {
  /** The stage's name. */
  readonly name: string;
  /** The stage's kind. */
  readonly kind: string;
  /** Bytes of the stage's output x_{i+1} (and of its gradient g_{i+1}). */
  readonly outputBytes: number;
  /** Bytes a recorded tape keeps beyond the stage's input and output storages. */
  readonly tapeBytes: number;
  /** Whether the tape keeps the input x_i alive (so freeing x_i early frees nothing). */
  readonly tapeHoldsInput: boolean;
  /** Whether the tape keeps the output x_{i+1} alive. */
  readonly tapeHoldsOutput: boolean;
  /** Highest bytes above the starting live total while running forward with a tape. */
  readonly forwardPeakRecord: number;
  /** Highest bytes above the starting live total while running forward without a tape. */
  readonly forwardPeakDiscard: number;
  /** Highest bytes above the starting live total while running the backward. */
  readonly backwardPeak: number;
  /** Forward time, milliseconds. */
  readonly forwardTime: number;
  /** Backward time, milliseconds. */
  readonly backwardTime: number;
  /** Floating-point operations of the forward. */
  readonly forwardFlops: number;
  /** Floating-point operations of the backward. */
  readonly backwardFlops: number;
  /**
   * The stage recorded with a partial tape, one entry per named policy but `saveAll` (which is
   * the fields above): what it keeps, and what its backward costs with the re-runs first.
   */
  readonly modes?: ReadonlyArray<StageMode>;
}

/** A stage recorded under a tape policy (see tape_policy.ts), as a plan's memory depends on it. */
export interface StageMode {
  /** The policy. */
  readonly policy: TapePolicy;
  /** Bytes the partial tape keeps beyond the stage's input and output storages. */
  readonly tapeBytes: number;
  /** Whether it keeps the input x_i alive. */
  readonly tapeHoldsInput: boolean;
  /** Whether it keeps the output x_{i+1} alive. */
  readonly tapeHoldsOutput: boolean;
  /** Highest bytes above the starting live total while running forward with it. */
  readonly forwardPeakRecord: number;
  /** Highest bytes above the starting live total while running its backward (re-runs included). */
  readonly backwardPeak: number;
  /** Time of the ops its backward re-runs first, milliseconds (added to the backward's). */
  readonly replayTime: number;
  /** Floating-point operations of those re-runs. */
  readonly replayFlops: number;
}

/** A chain's profile for a batch size. */
export interface Profile {
  /** The chain's name. */
  readonly chain: string;
  /** The batch size profiled. */
  readonly batch: number;
  /** "static" (cost model) or "measured:<backend>". */
  readonly source: string;
  /** One profile per stage, in chain order. */
  readonly stages: ReadonlyArray<StageProfile>;
  /** The loss: its transient peak (g_n included) and time. */
  readonly loss: { readonly peak: number; readonly time: number };
  /** Names of the user-defined kernels the chain runs (forward, backward and loss), sorted. */
  readonly userKernels?: ReadonlyArray<string>;
}

/** Rates of the static cost model. */
export interface CostModel {
  /** Sustained FLOP/s; default 1e10. */
  readonly flopsPerSecond?: number;
  /** Sustained bytes/s of memory traffic; default 1e10. */
  readonly bytesPerSecond?: number;
}

/**
 * The exact bytes of every stage and cost-model times, without touching a real backend.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * const profile = staticProfile(mlp({ depth: 4, width: 32, hidden: 64, classes: 10, inputs: 2 }), 64);
 * console.log(profile.stages.map((s) => s.outputBytes));
 * ```
 */
export function staticProfile(chain: Chain, batch: number, model: CostModel = {}): Profile {
  const flops = model.flopsPerSecond ?? 1e10;
  const bw = model.bytesPerSecond ?? 1e10;
  const ms = (f: number, b: number) => 1000 * (f / flops + b / bw);
  const meta = new MetaBackend();
  const params = initParams(chain, meta, 0);
  const shapes = activationShapes(chain, batch);
  const mem = meta.memory;
  const stages: StageProfile[] = chain.stages.map((stage, i) => {
    const x = meta.alloc(shapes[i]!, i === 0 ? chain.input.dtype : "f32", i === 0 ? "io" : "activation");
    const peakOf = (run: () => void): number => {
      const before = mem.activationLive;
      mem.resetPeak();
      run();
      return mem.activationPeak - before;
    };
    const discard = new Step({ backend: meta, chain, params }).input(i, x);
    let outputBytes = 0;
    const forwardPeakDiscard = peakOf(
      () => (outputBytes = discard.forward(i, { record: false }).storage.bytes),
    );
    discard.dispose();
    const step = new Step({ backend: meta, chain, params }).input(i, x);
    const before = mem.activationLive;
    let output: Tensor | null = null;
    const forwardPeakRecord = peakOf(() => (output = step.forward(i, { record: true })));
    const tape = step.tapeOf(i)!;
    const tapeBytes = mem.activationLive - before - outputBytes;
    const holds = (t: Tensor) => tape.heldTensors().some((s) => s.storage === t.storage);
    const tapeHoldsInput = holds(x);
    const tapeHoldsOutput = holds(output!);
    const cost = tape.cost();
    const g = meta.alloc(output!.shape, "f32", "gradient");
    step.gradient(i + 1, g);
    g.release();
    const backwardPeak = peakOf(() => step.backward(i));
    step.dispose();
    const modes = NAMED_POLICIES.filter((p) => p !== "saveAll").map((policy): StageMode => {
      const m = new Step({ backend: meta, chain, params }).input(i, x);
      const start = mem.activationLive;
      let out: Tensor | null = null;
      const peakRecord = peakOf(() => (out = m.forward(i, { record: true, policy })));
      const partial = m.tapeOf(i)!;
      const held = (t: Tensor) => partial.heldTensors().some((s) => s.storage === t.storage);
      const replay = partial.replayCost();
      const mode = {
        policy,
        tapeBytes: mem.activationLive - start - outputBytes,
        tapeHoldsInput: held(x),
        tapeHoldsOutput: held(out!),
        forwardPeakRecord: peakRecord,
        replayTime: ms(replay.flops, replay.bytes),
        replayFlops: replay.flops,
      };
      const mg = meta.alloc(out!.shape, "f32", "gradient");
      m.gradient(i + 1, mg);
      mg.release();
      const peakBackward = peakOf(() => m.backward(i));
      m.dispose();
      return { ...mode, backwardPeak: peakBackward };
    });
    x.release();
    return {
      name: stage.name,
      kind: stage.kind,
      outputBytes,
      tapeBytes,
      tapeHoldsInput,
      tapeHoldsOutput,
      forwardPeakRecord,
      forwardPeakDiscard,
      backwardPeak,
      forwardTime: ms(cost.forward.flops, cost.forward.bytes),
      backwardTime: ms(cost.backward.flops, cost.backward.bytes),
      forwardFlops: cost.forward.flops,
      backwardFlops: cost.backward.flops,
      modes,
    };
  });
  const n = chain.stages.length;
  const xn = meta.alloc(shapes[n]!, "f32", "activation");
  const y = meta.alloc([batch, ...chain.target.shape], targetDType(chain), "io");
  const lossStep = new Step({ backend: meta, chain, params }).input(n, xn);
  const before = mem.activationLive;
  mem.resetPeak();
  lossStep.loss(y);
  const lossPeak = mem.activationPeak - before;
  lossStep.dispose();
  xn.release();
  y.release();
  releaseParams(params);
  const lossTime = stages.length
    ? ms(5 * (stages[n - 1]!.outputBytes / 4), 2 * stages[n - 1]!.outputBytes)
    : 0;
  return {
    chain: chain.name,
    batch,
    source: "static",
    stages,
    loss: { peak: lossPeak, time: lossTime },
    userKernels: [...meta.usedKernels].sort(),
  };
}

/** Options of `measureProfile`. */
export interface MeasureOptions {
  /** Timed repetitions per stage (median taken); default 5. */
  readonly repeats?: number;

  /** Untimed warm-up repetitions; default 1. */
  readonly warmup?: number;
  /** Seed of the parameters used; default 0. */
  readonly seed?: number;
}

/**
 * The static profile's bytes with forward and backward times measured on `backend`:
 * the median of `repeats` runs of each stage's recorded forward and its
 * backward, and of the loss (forward and gradient together). Each tape mode's backward is
 * timed the same way; its re-runs' time is how much longer it takes than the whole tape's.
 *
 * @example
 * ```ts
 * import { measureProfile, mlp } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const chain = mlp({ depth: 4, width: 32, hidden: 64, classes: 10, inputs: 2 });
 * const profile = await measureProfile(chain, new CpuBackend(), 64, { repeats: 3 });
 * console.log(profile.source); // "measured:cpu"
 * ```
 */
export async function measureProfile(
  chain: Chain,
  backend: Backend,
  batch: number,
  options: MeasureOptions = {},
): Promise<Profile> {
  const repeats = options.repeats ?? 5;
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new RangeError(`measureProfile: repeats must be a positive integer; got ${repeats}`);
  }
  const base = staticProfile(chain, batch);
  const warmup = options.warmup ?? 1;
  const params: Params = initParams(chain, backend, options.seed ?? 0);
  const shapes = activationShapes(chain, batch);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  try {
    const stages: StageProfile[] = [];
    for (let i = 0; i < chain.stages.length; i++) {
      const x = i === 0 && chain.input.dtype === "i32"
        ? backend.upload(new Int32Array(sizeOf(shapes[0]!)), shapes[0]!, "i32", "io")
        : backend.upload(new Float32Array(sizeOf(shapes[i]!)).fill(0.1), shapes[i]!, "f32", "io");
      const b = base.stages[i]!;
      // each mode's backward is timed too: its re-runs cost what they cost here, which the
      // ops' cost model need not say (attention's loops against a gemm's, say)
      const timeBackward = async (policy: TapePolicy | undefined) => {
        const fwd: number[] = [];
        const bwd: number[] = [];
        for (let r = 0; r < warmup + repeats; r++) {
          const step = new Step({ backend, chain, params }).input(i, x);
          try {
            let t0 = performance.now();
            const output = step.forward(i, { record: true, ...(policy === undefined ? {} : { policy }) });
            await backend.flush();
            const tf = performance.now() - t0;
            const g = backend.upload(
              new Float32Array(output.size).fill(1e-3),
              output.shape,
              "f32",
              "gradient",
            );
            step.gradient(i + 1, g);
            g.release();
            t0 = performance.now();
            step.backward(i);
            await backend.flush();
            const tb = performance.now() - t0;
            if (r >= warmup) (fwd.push(tf), bwd.push(tb));
          } finally {
            step.dispose();
          }
        }
        return { forwardTime: median(fwd), backwardTime: median(bwd) };
      };
      const { forwardTime, backwardTime } = await timeBackward(undefined);
      const modes: StageMode[] | undefined = b.modes ? [] : undefined;
      for (const m of b.modes ?? []) {
        const t = await timeBackward(m.policy);
        modes!.push({ ...m, replayTime: Math.max(0, t.backwardTime - backwardTime) });
      }
      x.release();
      stages.push({ ...b, forwardTime, backwardTime, ...(modes ? { modes } : {}) });
    }
    const loss = {
      peak: base.loss.peak,
      time: median(await timeLoss(chain, backend, { batch, warmup, repeats })),
    };
    return { ...base, source: `measured:${backend.name}`, stages, loss };
  } finally {
    releaseParams(params);
  }
}

/** `warmup + repeats` runs of the loss (forward and its gradient) on a constant x_n; the timed ones, ms. */
async function timeLoss(
  chain: Chain,
  backend: Backend,
  { batch, warmup, repeats }: { readonly batch: number; readonly warmup: number; readonly repeats: number },
): Promise<number[]> {
  const shapes = activationShapes(chain, batch);
  const xnShape = shapes[chain.stages.length]!;
  const xn = backend.upload(new Float32Array(sizeOf(xnShape)).fill(0.1), xnShape, "f32", "io");
  const yShape = [batch, ...chain.target.shape];
  const y = targetDType(chain) === "i32"
    ? backend.upload(new Int32Array(sizeOf(yShape)), yShape, "i32", "io")
    : backend.upload(new Float32Array(sizeOf(yShape)).fill(0.5), yShape, "f32", "io");
  const times: number[] = [];
  try {
    for (let r = 0; r < warmup + repeats; r++) {
      const step = new Step({ backend, chain, params: [] }).input(chain.stages.length, xn);
      try {
        const t0 = performance.now();
        step.loss(y);
        await backend.flush();
        const t = performance.now() - t0;
        if (r >= warmup) times.push(t);
      } finally {
        step.dispose();
      }
    }
  } finally {
    xn.release();
    y.release();
  }
  return times;
}
