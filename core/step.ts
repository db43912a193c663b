/**
 * One training step's state and the four things a plan does with it — forward, loss,
 * backward, free — with every buffer counted under the kind a plan execution counts it.
 * The plan executor, the profiler and the test helpers all drive a `Step`, so a profile
 * measures what an execution does and a prediction is checked against the same accounting.
 *
 * Slots: x_0..x_n (activations; x_0 is the batch), tape_0..tape_{n-1}, g_1..g_n (activation
 * gradients), the loss, and each stage's parameter gradients. Kinds: x_{i+1} "activation",
 * tapes "tape", g_i "gradient", the loss "io", parameter gradients "parameterGradient",
 * anything transient "temporary". The backend's default kind is only ever changed for the
 * duration of one of these calls (`MemoryAccountant.withKind`).
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Chain } from "./chain.ts";
import type { Params } from "./params.ts";
import { Recorder } from "./recorder.ts";
import type { Tape } from "./tape.ts";
import type { TapePolicy } from "./tape_policy.ts";
import type { Tensor } from "./tensor.ts";

/** Where dropout masks are keyed. */
export interface StepKey {
  /** The training seed. */
  readonly seed: number;
  /** The training step. */
  readonly step: number;
}

/** What a step runs: a chain with its parameters on a backend, and the dropout key. */
export interface StepInputs {
  /** The backend every buffer of the step lives on. */
  readonly backend: Backend;
  /** The model. */
  readonly chain: Chain;
  /** The chain's parameters on `backend`. */
  readonly params: Params;
  /** Where dropout masks are keyed. Default seed 0, step 0. */
  readonly key?: StepKey;
  /** Training mode (default true); false for evaluation, where dropout is the identity. */
  readonly training?: boolean;
}

/**
 * The slots of one training step and the operations on them. Results (the loss and the
 * parameter gradients) stay owned by the step until {@link Step.take}; {@link Step.dispose}
 * releases whatever it still holds, so a failed step leaks nothing.
 *
 * @example
 * ```ts
 * import { initParams, mlp, Step } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const chain = mlp({ depth: 1, width: 4, hidden: 8, classes: 2, inputs: 2 });
 * const params = initParams(chain, backend, 0);
 * const x = backend.upload(new Float32Array(4), [2, 2], "f32", "io");
 * const y = backend.upload(new Int32Array([0, 1]), [2], "i32", "io");
 * const step = new Step({ backend, chain, params }).input(0, x);
 * for (let i = 0; i < chain.stages.length; i++) step.forward(i, { record: true });
 * step.loss(y);
 * for (let i = chain.stages.length - 1; i >= 0; i--) step.backward(i);
 * const { loss, grads } = step.take();
 * step.dispose();
 * ```
 */
export class Step {
  readonly #backend: Backend;
  readonly #chain: Chain;
  readonly #params: Params;
  readonly #key: StepKey;
  readonly #training: boolean;
  readonly #xs: (Tensor | null)[];
  readonly #tapes: (Tape | null)[];
  readonly #gs: (Tensor | null)[];
  readonly #grads: (Tensor[] | null)[];
  readonly #forwards: number[];
  readonly #base: number;
  #loss: Tensor | null = null;

  /** An empty step; the activation peak is measured from here. */
  constructor(inputs: StepInputs) {
    this.#backend = inputs.backend;
    this.#chain = inputs.chain;
    this.#params = inputs.params;
    this.#key = inputs.key ?? { seed: 0, step: 0 };
    this.#training = inputs.training ?? true;
    const n = inputs.chain.stages.length;
    this.#xs = new Array(n + 1).fill(null);
    this.#tapes = new Array(n).fill(null);
    this.#gs = new Array(n + 1).fill(null);
    this.#grads = new Array(n).fill(null);
    this.#forwards = new Array(n).fill(0);
    this.#base = this.#backend.memory.activationLive;
    this.#backend.memory.resetPeak();
  }

  /** Places `x` (retained) in slot x_i: the batch for i = 0, a given activation otherwise. */
  input(i: number, x: Tensor): this {
    this.#place(this.#xs, i, x.retain(), "x");
    return this;
  }

  /** Places `g` (retained) in slot g_i, as if the stages after i had run their backward. */
  gradient(i: number, g: Tensor): this {
    this.#place(this.#gs, i, g.retain(), "g");
    return this;
  }

  /**
   * Runs stage i on x_i into x_{i+1}; with `record`, keeps tape_i for its backward — the
   * whole tape, or what `policy` names (its backward then re-runs the rest first).
   * @returns x_{i+1}, still owned by the step
   */
  forward(i: number, options: { readonly record: boolean; readonly policy?: TapePolicy }): Tensor {
    const x = this.#need(this.#xs, i, "x");
    const mem = this.#backend.memory;
    const ctx = new Recorder(this.#backend, {
      record: options.record,
      key: { ...this.#key, stage: i },
      training: this.#training,
      // state (running statistics) moves once per step: on the stage's first forward, never a recompute
      updatesState: this.#forwards[i] === 0,
      policy: options.policy,
    });
    const { output, tape } = mem.withKind(options.record ? "tape" : "temporary", () => {
      try {
        return ctx.finish(this.#chain.stages[i]!.forward(ctx, x, this.#params[i]!), x);
      } catch (e) {
        ctx.abort();
        throw e;
      }
    });
    output.storage.setKind("activation");
    this.#place(this.#xs, i + 1, output, "x");
    if (tape) this.#place(this.#tapes, i, tape, "tape");
    this.#forwards[i]!++;
    return output;
  }

  /** The loss on x_n against `target`: the loss value and g_n = ∂loss/∂x_n. */
  loss(target: Tensor): void {
    const n = this.#chain.stages.length;
    const xn = this.#need(this.#xs, n, "x");
    if (this.#loss) throw new Error("remat internal: the loss of this step already ran");
    const mem = this.#backend.memory;
    const ctx = new Recorder(this.#backend, {
      record: true,
      key: { ...this.#key, stage: n },
      training: this.#training,
    });
    const { output, tape } = mem.withKind("temporary", () => {
      try {
        return ctx.finish(this.#chain.loss.forward(ctx, xn, target), xn);
      } catch (e) {
        ctx.abort();
        throw e;
      }
    });
    output.storage.setKind("io");
    this.#loss = output;
    const one = this.#backend.upload(new Float32Array([1]), [1], "f32", "temporary");
    try {
      this.#place(
        this.#gs,
        n,
        mem.withKind("gradient", () => tape!.backward(this.#backend, one, xn, []).dx!),
        "g",
      );
    } finally {
      one.release();
    }
  }

  /** Stage i backward from g_{i+1}: consumes tape_i and g_{i+1}, makes g_i (not for i = 0) and the stage's parameter gradients. */
  backward(i: number): void {
    const tape = this.#need(this.#tapes, i, "tape");
    const g = this.#need(this.#gs, i + 1, "g");
    this.#tapes[i] = null;
    const params = this.#params[i]!;
    const { dx, dparams } = this.#backend.memory.withKind(
      "gradient",
      () => tape.backward(this.#backend, g, null, params),
    );
    g.release();
    this.#gs[i + 1] = null;
    if (i === 0) dx?.release();
    else if (dx) this.#place(this.#gs, i, dx, "g");
    this.#grads[i] = dparams.map((d, j) => {
      const t = d ?? this.#backend.alloc(params[j]!.shape, "f32", "parameterGradient");
      t.storage.setKind("parameterGradient");
      return t;
    });
  }

  /** Drops x_v. */
  free(v: number): void {
    this.#need(this.#xs, v, "x").release();
    this.#xs[v] = null;
  }

  /** tape_i while the step holds it (owned by the step), else null. */
  tapeOf(i: number): Tape | null {
    return this.#tapes[i] ?? null;
  }

  /** Highest live activation-side bytes since the step began, above what was live before it. */
  get peakBytes(): number {
    return this.#backend.memory.activationPeak - this.#base;
  }

  /** Forward executions per stage so far (recomputation shows as counts above 1). */
  get forwards(): ReadonlyArray<number> {
    return this.#forwards;
  }

  /**
   * Hands the loss and the parameter gradients to the caller, who releases them. A stage
   * whose backward did not run has no gradients (an empty row).
   * @throws Error when the loss has not run
   */
  take(): { loss: Tensor; grads: Tensor[][] } {
    if (!this.#loss) throw new Error("remat internal: take() before the loss ran");
    const loss = this.#loss;
    this.#loss = null;
    const grads = this.#grads.map((row) => row ?? []);
    this.#grads.fill(null);
    return { loss, grads };
  }

  /** Releases every tensor and tape the step still holds. Idempotent. */
  dispose(): void {
    for (const t of this.#tapes) t?.release();
    for (const t of [...this.#xs, ...this.#gs, this.#loss]) t?.release();
    for (const row of this.#grads) for (const g of row ?? []) g.release();
    this.#tapes.fill(null);
    this.#xs.fill(null);
    this.#gs.fill(null);
    this.#grads.fill(null);
    this.#loss = null;
  }

  #need<T>(slots: (T | null)[], i: number, what: string): T {
    const v = slots[i];
    if (v == null) throw new Error(`remat internal: ${what}_${i} is not held by this step`);
    return v;
  }

  #place<T extends { release(): void }>(slots: (T | null)[], i: number, v: T, what: string): void {
    if (i < 0 || i >= slots.length) {
      v.release();
      throw new RangeError(`Step: ${what}_${i} is out of range 0..${slots.length - 1}`);
    }
    slots[i]?.release();
    slots[i] = v;
  }
}
