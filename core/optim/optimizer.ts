/**
 * Optimizers: SGD with momentum and AdamW, stepping every parameter with its backend's
 * in-place kernels. State is accounted as "optimizer" memory.
 * @module
 */
import type { Backend } from "../backend.ts";
import { CheckpointMismatch, InvalidArgument } from "../errors.ts";
import type { Params } from "../params.ts";
import type { Tensor } from "../tensor.ts";

/** Options of SGD with momentum. */
export interface SgdOptions {
  /** Learning rate; default 0.05. */
  readonly lr?: number;
  /** Momentum μ; default 0.9. */
  readonly momentum?: number;
  /** L2 weight decay added to the gradient; default 0. */
  readonly weightDecay?: number;
}

/** Options of AdamW. */
export interface AdamWOptions {
  /** Learning rate; default 1e-3. */
  readonly lr?: number;
  /** (β1, β2); default (0.9, 0.999). */
  readonly betas?: readonly [number, number];
  /** Default 1e-8. */
  readonly eps?: number;
  /** Decoupled weight decay; default 0.01. */
  readonly weightDecay?: number;
}

/** A description of an optimizer; `optimizerState` turns it into state on a backend. */
export type OptimizerSpec =
  | { readonly kind: "sgd"; readonly lr: number; readonly momentum: number; readonly weightDecay: number }
  | {
    readonly kind: "adamw";
    readonly lr: number;
    readonly beta1: number;
    readonly beta2: number;
    readonly eps: number;
    readonly weightDecay: number;
  };

/**
 * SGD with momentum: v = μv + g + λp; p −= lr·v.
 *
 * @example
 * ```ts
 * import { sgd } from "@remat/core";
 * const spec = sgd({ lr: 0.1, momentum: 0.9 }); // pass as `optimizer` to train()
 * ```
 */
export function sgd(options: SgdOptions = {}): OptimizerSpec {
  const spec = {
    kind: "sgd",
    lr: options.lr ?? 0.05,
    momentum: options.momentum ?? 0.9,
    weightDecay: options.weightDecay ?? 0,
  } as const;
  requireRange("lr", spec.lr, 0, Infinity, false);
  requireRange("momentum", spec.momentum, 0, 1, true);
  requireRange("weightDecay", spec.weightDecay, 0, Infinity, true);
  return spec;
}

/**
 * AdamW (Loshchilov & Hutter) with bias correction and decoupled weight decay.
 *
 * @example
 * ```ts
 * import { adamw } from "@remat/core";
 * const spec = adamw({ lr: 3e-4, weightDecay: 0.1 }); // pass as `optimizer` to train()
 * ```
 */
export function adamw(options: AdamWOptions = {}): OptimizerSpec {
  const [beta1, beta2] = options.betas ?? [0.9, 0.999];
  const spec = {
    kind: "adamw",
    lr: options.lr ?? 1e-3,
    beta1,
    beta2,
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? 0.01,
  } as const;
  requireRange("lr", spec.lr, 0, Infinity, false);
  requireBeta("betas[0]", beta1);
  requireBeta("betas[1]", beta2);
  requireRange("eps", spec.eps, 0, Infinity, false);
  requireRange("weightDecay", spec.weightDecay, 0, Infinity, true);
  return spec;
}

/**
 * An optimizer's state on the host: its kind, the steps it has taken (AdamW's bias correction
 * depends on it) and its slots, per stage and parameter.
 *
 * @example
 * ```ts
 * import type { OptimizerSnapshot } from "@remat/core";
 * const fresh: OptimizerSnapshot = { kind: "sgd", steps: 0, slots: [[[new Float32Array(4)]]] };
 * ```
 */
export interface OptimizerSnapshot {
  /** The optimizer kind the state belongs to. */
  readonly kind: OptimizerSpec["kind"];
  /** Steps taken. */
  readonly steps: number;
  /** Slot values, [stage][parameter][slot]. */
  readonly slots: ReadonlyArray<ReadonlyArray<ReadonlyArray<Float32Array>>>;
}

/**
 * Optimizer state for a set of parameters on a backend.
 *
 * @example
 * ```ts
 * import { initParams, mlp, OptimizerState, sgd } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const params = initParams(mlp({ depth: 1, width: 4, hidden: 8, classes: 2 }), backend, 0);
 * const state = new OptimizerState(sgd(), backend, params);
 * // state.step(params, grads) after each backward; then:
 * state.release();
 * ```
 */
export class OptimizerState {
  #t = 0;
  readonly #slots: Tensor[][][];

  /** Allocates zeroed state (one slot per parameter for SGD, two for AdamW) on `backend`. */
  constructor(readonly spec: OptimizerSpec, readonly backend: Backend, params: Params) {
    const perParam = spec.kind === "sgd" ? 1 : 2;
    // model state (running statistics) is not trained: no slots, and step leaves it alone
    this.#slots = params.map((stage) =>
      stage.map((p) =>
        p.storage.kind === "state"
          ? []
          : Array.from({ length: perParam }, () => backend.alloc(p.shape, "f32", "optimizer"))
      )
    );
  }

  /** Number of steps taken. */
  get steps(): number {
    return this.#t;
  }

  /** Updates every parameter in place from its gradient. */
  step(params: Params, grads: ReadonlyArray<ReadonlyArray<Tensor>>): void {
    this.#t++;
    const k = this.backend.kernels;
    const s = this.spec;
    for (let i = 0; i < params.length; i++) {
      for (let j = 0; j < params[i]!.length; j++) {
        const slots = this.#slots[i]![j]!;
        if (slots.length === 0) continue;
        const [a, b] = slots;
        if (s.kind === "sgd") k.sgdStep(params[i]![j]!, grads[i]![j]!, a!, s);
        else k.adamwStep(params[i]![j]!, grads[i]![j]!, a!, b!, { ...s, t: this.#t });
      }
    }
  }

  /**
   * Host copies of the state: the step count and every slot (per parameter: none for model
   * state, one for SGD's momentum, two for AdamW's moments), for a training checkpoint.
   */
  async snapshot(): Promise<OptimizerSnapshot> {
    const slots: Float32Array[][][] = [];
    for (const stage of this.#slots) {
      const row: Float32Array[][] = [];
      for (const ts of stage) {
        const copies: Float32Array[] = [];
        for (const t of ts) copies.push((await this.backend.read(t)) as Float32Array);
        row.push(copies);
      }
      slots.push(row);
    }
    return { kind: this.spec.kind, steps: this.#t, slots };
  }

  /**
   * Replaces the state with a snapshot's (bit for bit), so the next `step` continues the run
   * that took it. The snapshot must come from the same optimizer kind and parameter layout.
   * @throws CheckpointMismatch naming the first difference (kind, a stage's or a parameter's slots)
   */
  restore(snapshot: OptimizerSnapshot): void {
    const mismatch = (field: string, expected: unknown, got: unknown) =>
      new CheckpointMismatch({ field, expected: String(expected), got: String(got) });
    if (snapshot.kind !== this.spec.kind) throw mismatch("optimizer", this.spec.kind, snapshot.kind);
    if (!(Number.isInteger(snapshot.steps) && snapshot.steps >= 0)) {
      throw mismatch("optimizer steps", "a count ≥ 0", snapshot.steps);
    }
    if (snapshot.slots.length !== this.#slots.length) {
      throw mismatch("stages with optimizer state", this.#slots.length, snapshot.slots.length);
    }
    this.#slots.forEach((stage, i) => {
      const given = snapshot.slots[i]!;
      if (given.length !== stage.length) {
        throw mismatch(`parameters of stage ${i}`, stage.length, given.length);
      }
      stage.forEach((ts, j) => {
        const g = given[j]!;
        if (g.length !== ts.length) {
          throw mismatch(`optimizer slots of stage ${i} parameter ${j}`, ts.length, g.length);
        }
        ts.forEach((t, k) => {
          if (g[k]!.length !== t.size) {
            throw mismatch(`elements of stage ${i} parameter ${j} slot ${k}`, t.size, g[k]!.length);
          }
        });
      });
    });
    this.#slots.forEach((stage, i) =>
      stage.forEach((ts, j) =>
        ts.forEach((t, k) => {
          ts[k] = this.backend.upload(snapshot.slots[i]![j]![k]!, t.shape, "f32", "optimizer");
          t.release();
        })
      )
    );
    this.#t = snapshot.steps;
  }

  /** Frees the state. */
  release(): void {
    for (const stage of this.#slots) for (const slots of stage) for (const t of slots) t.release();
  }
}

function requireRange(name: string, v: number, lo: number, hi: number, closed: boolean): void {
  const ok = Number.isFinite(v) ? (closed ? v >= lo : v > lo) && v <= hi : false;
  if (!ok) {
    throw new InvalidArgument({
      name,
      value: v,
      expected: `a number in ${closed ? "[" : "("}${lo}, ${hi}${hi === Infinity ? ")" : "]"}`,
    });
  }
}

function requireBeta(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0 && v < 1)) {
    throw new InvalidArgument({ name, value: v, expected: "a number in [0, 1)" });
  }
}
