/**
 * The memory accountant: every buffer a backend allocates is counted under a kind, live
 * and at peak. The activation side (activations, tapes, activation gradients and
 * temporaries) is what a checkpointing plan budgets; parameters, their gradients and
 * optimizer state are reported separately.
 * @module
 */

/** What a buffer holds, for accounting. */
export type MemoryKind =
  | "io"
  | "activation"
  | "tape"
  | "gradient"
  | "temporary"
  | "parameter"
  | "parameterGradient"
  | "optimizer"
  | "state";

/** Kinds that count against the activation budget. */
export const ACTIVATION_SIDE: ReadonlyArray<MemoryKind> = ["activation", "tape", "gradient", "temporary"];

/** A snapshot of the accountant. */
export interface MemoryReport {
  /** Live bytes per kind now. */
  readonly live: Readonly<Record<MemoryKind, number>>;
  /** Live activation-side bytes now. */
  readonly activationLive: number;
  /** Highest activation-side total since the last `resetPeak`. */
  readonly activationPeak: number;
  /** Parameters + parameter gradients + optimizer state + model state (running statistics), live now. */
  readonly stateBytes: number;
}

function zeroes(): Record<MemoryKind, number> {
  return {
    io: 0,
    activation: 0,
    tape: 0,
    gradient: 0,
    temporary: 0,
    parameter: 0,
    parameterGradient: 0,
    optimizer: 0,
    state: 0,
  };
}

/**
 * Counts live bytes by kind and the peak of the activation side.
 *
 * @example
 * ```ts
 * import { MemoryAccountant } from "@remat/core";
 * const mem = new MemoryAccountant();
 * mem.alloc(1024, "activation");
 * mem.free(1024, "activation");
 * console.log(mem.activationPeak); // 1024
 * ```
 */
export class MemoryAccountant {
  readonly #live = zeroes();
  #activationLive = 0;
  #activationPeak = 0;
  #defaultKind: MemoryKind = "temporary";

  /** The kind a new buffer gets when its allocator names none; set only by {@link withKind}. */
  get defaultKind(): MemoryKind {
    return this.#defaultKind;
  }

  /**
   * Runs `body` with new buffers counted under `kind` unless their allocator names one, then
   * restores the previous default kind, also when `body` throws.
   * @example
   * ```ts
   * import { MemoryAccountant } from "@remat/core";
   * const mem = new MemoryAccountant();
   * mem.withKind("tape", () => mem.defaultKind); // "tape"
   * mem.defaultKind; // "temporary" again
   * ```
   */
  withKind<T>(kind: MemoryKind, body: () => T): T {
    const before = this.#defaultKind;
    this.#defaultKind = kind;
    try {
      return body();
    } finally {
      this.#defaultKind = before;
    }
  }

  /** Records `bytes` newly live under `kind`. */
  alloc(bytes: number, kind: MemoryKind): void {
    this.#live[kind] += bytes;
    if (isActivationSide(kind)) {
      this.#activationLive += bytes;
      if (this.#activationLive > this.#activationPeak) this.#activationPeak = this.#activationLive;
    }
  }

  /** Records `bytes` under `kind` released. */
  free(bytes: number, kind: MemoryKind): void {
    this.#live[kind] -= bytes;
    if (isActivationSide(kind)) this.#activationLive -= bytes;
  }

  /** Moves `bytes` from one kind to another without changing the total. */
  retag(bytes: number, from: MemoryKind, to: MemoryKind): void {
    if (from === to) return;
    this.free(bytes, from);
    this.alloc(bytes, to);
  }

  /** Live activation-side bytes now. */
  get activationLive(): number {
    return this.#activationLive;
  }

  /** Peak activation-side bytes since the last reset. */
  get activationPeak(): number {
    return this.#activationPeak;
  }

  /** Starts a new peak window at the current live total. */
  resetPeak(): void {
    this.#activationPeak = this.#activationLive;
  }

  /** A copy of the counters. */
  report(): MemoryReport {
    const live = { ...this.#live };
    return {
      live,
      activationLive: this.#activationLive,
      activationPeak: this.#activationPeak,
      stateBytes: live.parameter + live.parameterGradient + live.optimizer + live.state,
    };
  }
}

/**
 * True for the kinds a checkpointing budget covers.
 *
 * @example
 * ```ts
 * import { isActivationSide } from "@remat/core";
 * isActivationSide("tape"); // true
 * isActivationSide("parameter"); // false
 * ```
 */
export function isActivationSide(kind: MemoryKind): boolean {
  return kind === "activation" || kind === "tape" || kind === "gradient" || kind === "temporary";
}
