/**
 * Optimizers: SGD with momentum and AdamW, stepping every parameter with its backend's
 * in-place kernels. State is accounted as "optimizer" memory.
 * @module
 */
import type { Backend } from "../backend.ts";
import { InvalidArgument } from "../errors.ts";
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
