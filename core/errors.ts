/**
 * Typed failures of remat. Each carries the data a user needs to fix the mistake and a
 * message that names what was wrong, the value seen and what would be valid.
 * They are `Error` subclasses, so plain kernels may `throw` them; the scheduler turns a
 * thrown one into a typed Effect failure.
 * @module
 */
import { type Cause, Data } from "effect";

/**
 * The constructor type of `Data.TaggedError(tag)<Fields>`: a yieldable `Error` with a literal
 * `_tag` and the fields as readonly properties. Each error class below extends a base of this
 * type, declared explicitly so that the public API has no inferred superclass.
 *
 * @example
 * ```ts
 * import { Data } from "effect";
 * import type { TaggedErrorClass } from "@remat/core";
 * const OutOfTeaBase: TaggedErrorClass<"OutOfTea", { readonly cups: number }> = Data.TaggedError("OutOfTea");
 * class OutOfTea extends OutOfTeaBase {}
 * console.log(new OutOfTea({ cups: 0 })._tag); // "OutOfTea"
 * ```
 */
export type TaggedErrorClass<Tag extends string, Fields extends Record<string, unknown>> = new (
  args: Fields,
) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<Fields>;

/** The base class of {@link ShapeMismatch}: `Data.TaggedError("ShapeMismatch")` with its fields. */
export const ShapeMismatchBase: TaggedErrorClass<"ShapeMismatch", {
  readonly op: string;
  readonly expected: string;
  readonly shapes: ReadonlyArray<ReadonlyArray<number>>;
}> = Data.TaggedError("ShapeMismatch");

/**
 * An op received tensors whose shapes do not fit together.
 *
 * @example
 * ```ts
 * import { ShapeMismatch } from "@remat/core";
 * new ShapeMismatch({ op: "add", expected: "equal shapes", shapes: [[2, 3], [3, 2]] }).message;
 * // "add: shape mismatch: got [2, 3] and [3, 2]; expected equal shapes"
 * ```
 */
export class ShapeMismatch extends ShapeMismatchBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    const seen = this.shapes.map((s) => `[${s.join(", ")}]`).join(" and ");
    return `${this.op}: shape mismatch: got ${seen}; expected ${this.expected}`;
  }
}

/** The base class of {@link DTypeMismatch}: `Data.TaggedError("DTypeMismatch")` with its fields. */
export const DTypeMismatchBase: TaggedErrorClass<"DTypeMismatch", {
  readonly op: string;
  /** The input's role, e.g. "labels". */
  readonly input: string;
  /** The dtype received. */
  readonly got: string;
  /** The input's shape. */
  readonly shape: ReadonlyArray<number>;
  /** The dtype that is valid there. */
  readonly expected: string;
}> = Data.TaggedError("DTypeMismatch");

/**
 * An op received a tensor of the wrong element type (say, i32 class ids where f32 targets
 * belong): never converted silently.
 *
 * @example
 * ```ts
 * import { DTypeMismatch } from "@remat/core";
 * new DTypeMismatch({ op: "sub", input: "b", got: "i32", shape: [8, 1], expected: "f32" }).message;
 * // "sub: input b is i32 [8, 1]; expected f32"
 * ```
 */
export class DTypeMismatch extends DTypeMismatchBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `${this.op}: input ${this.input} is ${this.got} [${
      this.shape.join(", ")
    }]; expected ${this.expected}`;
  }
}

/** The base class of {@link UnknownOp}: `Data.TaggedError("UnknownOp")` with its fields. */
export const UnknownOpBase: TaggedErrorClass<"UnknownOp", {
  readonly name: string;
  readonly known: ReadonlyArray<string>;
}> = Data.TaggedError("UnknownOp");

/**
 * A kernel or op name that no backend or registry knows.
 *
 * @example
 * ```ts
 * import { UnknownOp } from "@remat/core";
 * new UnknownOp({ name: "conv", known: ["matmul", "add"] }).message;
 * // 'unknown op "conv"; known ops: matmul, add'
 * ```
 */
export class UnknownOp extends UnknownOpBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `unknown op "${this.name}"; known ops: ${this.known.join(", ")}`;
  }
}

/** The base class of {@link PlanInvalid}: `Data.TaggedError("PlanInvalid")` with its fields. */
export const PlanInvalidBase: TaggedErrorClass<"PlanInvalid", {
  readonly index: number;
  readonly instruction: string;
  readonly reason: string;
}> = Data.TaggedError("PlanInvalid");

/**
 * A plan that cannot be executed: the offending instruction is named by its index.
 *
 * @example
 * ```ts
 * import { PlanInvalid } from "@remat/core";
 * new PlanInvalid({ index: 3, instruction: "backward 2", reason: "x_2 is not held" }).message;
 * ```
 */
export class PlanInvalid extends PlanInvalidBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `invalid plan at instruction ${this.index} (${this.instruction}): ${this.reason}`;
  }
}

/** The base class of {@link PlanMismatch}: `Data.TaggedError("PlanMismatch")` with its fields. */
export const PlanMismatchBase: TaggedErrorClass<"PlanMismatch", {
  /** The chain and batch the plan was made for. */
  readonly planned: { readonly chain: string; readonly batch: number };
  /** The chain and batch it was asked to run on. */
  readonly given: { readonly chain: string; readonly batch: number };
  /** What differs. */
  readonly reason: string;
}> = Data.TaggedError("PlanMismatch");

/**
 * A plan run on another chain or batch size than the one it was made for: its predicted
 * peak and its budget would not hold.
 *
 * @example
 * ```ts
 * import { PlanMismatch } from "@remat/core";
 * new PlanMismatch({ planned: { chain: "mlp", batch: 128 }, given: { chain: "mlp", batch: 512 }, reason: "the batch differs" }).message;
 * ```
 */
export class PlanMismatch extends PlanMismatchBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    const p = this.planned, g = this.given;
    return `plan made for ${p.chain} at batch ${p.batch} cannot run on ${g.chain} at batch ${g.batch}: ${this.reason}; plan again for this chain and batch`;
  }
}

/** The base class of {@link MissingKernel}: `Data.TaggedError("MissingKernel")` with its fields. */
export const MissingKernelBase: TaggedErrorClass<"MissingKernel", {
  /** The user kernel's name. */
  readonly kernel: string;
  /** The backend that cannot run it. */
  readonly backend: string;
  /** Why, and what would make it run. */
  readonly reason: string;
}> = Data.TaggedError("MissingKernel");

/**
 * A user kernel that a backend has no implementation of (or that this program never
 * defined), found before a plan runs.
 *
 * @example
 * ```ts
 * import { MissingKernel } from "@remat/core";
 * new MissingKernel({ kernel: "softsign", backend: "webgpu", reason: "it has no wgsl source" }).message;
 * // 'kernel "softsign" cannot run on webgpu: it has no wgsl source'
 * ```
 */
export class MissingKernel extends MissingKernelBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `kernel "${this.kernel}" cannot run on ${this.backend}: ${this.reason}`;
  }
}

/** The base class of {@link BackendUnavailable}: `Data.TaggedError("BackendUnavailable")` with its fields. */
export const BackendUnavailableBase: TaggedErrorClass<"BackendUnavailable", {
  readonly backend: string;
  readonly reason: string;
  readonly hint: string;
}> = Data.TaggedError("BackendUnavailable");

/**
 * No backend of the requested kind can be created here.
 *
 * @example
 * ```ts
 * import { BackendUnavailable } from "@remat/core";
 * new BackendUnavailable({ backend: "webgpu", reason: "no adapter", hint: "use cpu" }).message;
 * ```
 */
export class BackendUnavailable extends BackendUnavailableBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `backend "${this.backend}" is unavailable: ${this.reason}. ${this.hint}`;
  }
}

/** The base class of {@link InvalidArgument}: `Data.TaggedError("InvalidArgument")` with its fields. */
export const InvalidArgumentBase: TaggedErrorClass<"InvalidArgument", {
  readonly name: string;
  readonly value: unknown;
  readonly expected: string;
}> = Data.TaggedError("InvalidArgument");

/**
 * A user-supplied option or argument outside its valid range.
 *
 * @example
 * ```ts
 * import { InvalidArgument } from "@remat/core";
 * new InvalidArgument({ name: "batch", value: 0, expected: "a positive integer" }).message;
 * // "invalid batch: got 0; expected a positive integer"
 * ```
 */
export class InvalidArgument extends InvalidArgumentBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `invalid ${this.name}: got ${formatValue(this.value)}; expected ${this.expected}`;
  }
}

/** The base class of {@link NonFiniteLoss}: `Data.TaggedError("NonFiniteLoss")` with its fields. */
export const NonFiniteLossBase: TaggedErrorClass<"NonFiniteLoss", {
  readonly step: number;
  readonly loss: number;
}> = Data.TaggedError("NonFiniteLoss");

/**
 * Training produced a loss that is NaN or infinite.
 *
 * @example
 * ```ts
 * import { NonFiniteLoss } from "@remat/core";
 * new NonFiniteLoss({ step: 12, loss: NaN }).message;
 * ```
 */
export class NonFiniteLoss extends NonFiniteLossBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `non-finite loss ${this.loss} at step ${this.step}; lower the learning rate or check the data`;
  }
}

/** The base class of {@link BudgetInfeasible}: `Data.TaggedError("BudgetInfeasible")` with its fields. */
export const BudgetInfeasibleBase: TaggedErrorClass<"BudgetInfeasible", {
  readonly strategy: string;
  readonly requestedBytes: number;
  readonly smallestFeasibleBytes: number;
}> = Data.TaggedError("BudgetInfeasible");

/**
 * No plan of a strategy fits the requested activation budget.
 *
 * @example
 * ```ts
 * import { BudgetInfeasible } from "@remat/core";
 * new BudgetInfeasible({ strategy: "revolve", requestedBytes: 1024, smallestFeasibleBytes: 4096 }).message;
 * ```
 */
export class BudgetInfeasible extends BudgetInfeasibleBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `${this.strategy}: no plan fits in ${this.requestedBytes} bytes of activations; the smallest feasible budget is ${this.smallestFeasibleBytes} bytes`;
  }
}

/** The base class of {@link DeviceLost}: `Data.TaggedError("DeviceLost")` with its fields. */
export const DeviceLostBase: TaggedErrorClass<"DeviceLost", {
  readonly backend: string;
  readonly reason: string;
}> = Data.TaggedError("DeviceLost");

/**
 * The device a backend ran on went away (driver reset, out of memory, destroyed).
 *
 * @example
 * ```ts
 * import { DeviceLost } from "@remat/core";
 * new DeviceLost({ backend: "webgpu", reason: "destroyed" }).message;
 * ```
 */
export class DeviceLost extends DeviceLostBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `backend "${this.backend}": the device was lost (${this.reason}); create a new backend to continue`;
  }
}

/** The base class of {@link CheckpointMismatch}: `Data.TaggedError("CheckpointMismatch")` with its fields. */
export const CheckpointMismatchBase: TaggedErrorClass<"CheckpointMismatch", {
  readonly field: string;
  readonly expected: string;
  readonly got: string;
}> = Data.TaggedError("CheckpointMismatch");

/**
 * A training checkpoint given to resume a run was written by a different run: another model,
 * seed, optimizer or parameter layout, or it is past the run's last step.
 *
 * @example
 * ```ts
 * import { CheckpointMismatch } from "@remat/core";
 * new CheckpointMismatch({ field: "seed", expected: "7", got: "3" }).message;
 * ```
 */
export class CheckpointMismatch extends CheckpointMismatchBase {
  /** A one-line description naming the offending values. */
  override get message(): string {
    return `the checkpoint does not belong to this run: ${this.field} is ${this.got} in the checkpoint; the run has ${this.expected}`;
  }
}

/** Every typed failure remat raises for a user mistake. */
export type RematError =
  | ShapeMismatch
  | DTypeMismatch
  | UnknownOp
  | PlanInvalid
  | PlanMismatch
  | MissingKernel
  | BackendUnavailable
  | InvalidArgument
  | NonFiniteLoss
  | BudgetInfeasible
  | DeviceLost
  | CheckpointMismatch;

/**
 * True when `e` is one of remat's typed errors.
 *
 * @example
 * ```ts
 * import { InvalidArgument, isRematError } from "@remat/core";
 * isRematError(new InvalidArgument({ name: "lr", value: -1, expected: "> 0" })); // true
 * isRematError(new Error("boom")); // false
 * ```
 */
export function isRematError(e: unknown): e is RematError {
  const tag = (e as { _tag?: unknown } | null)?._tag;
  return typeof tag === "string" &&
    [
      "ShapeMismatch",
      "DTypeMismatch",
      "UnknownOp",
      "PlanInvalid",
      "PlanMismatch",
      "MissingKernel",
      "BackendUnavailable",
      "InvalidArgument",
      "NonFiniteLoss",
      "BudgetInfeasible",
      "DeviceLost",
      "CheckpointMismatch",
    ]
      .includes(tag);
}

function formatValue(v: unknown): string {
  if (typeof v === "number") return String(v); // JSON.stringify writes NaN and ±Infinity as "null"
  if (typeof v === "string") return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
