/**
 * Typed failures of remat. Each carries the data a user needs to fix the mistake and a
 * message that names what was wrong, the value seen and what would be valid.
 * They are `Error` subclasses, so plain kernels may `throw` them; the scheduler turns a
 * thrown one into a typed Effect failure.
 * @module
 */
import { Data } from "effect";

/** An op received tensors whose shapes do not fit together. */
export class ShapeMismatch extends Data.TaggedError("ShapeMismatch")<{
  readonly op: string;
  readonly expected: string;
  readonly shapes: ReadonlyArray<ReadonlyArray<number>>;
}> {
  override get message(): string {
    const seen = this.shapes.map((s) => `[${s.join(", ")}]`).join(" and ");
    return `${this.op}: shape mismatch: got ${seen}; expected ${this.expected}`;
  }
}

/** A kernel or op name that no backend or registry knows. */
export class UnknownOp extends Data.TaggedError("UnknownOp")<{
  readonly name: string;
  readonly known: ReadonlyArray<string>;
}> {
  override get message(): string {
    return `unknown op "${this.name}"; known ops: ${this.known.join(", ")}`;
  }
}

/** A plan that cannot be executed: the offending instruction is named by its index. */
export class PlanInvalid extends Data.TaggedError("PlanInvalid")<{
  readonly index: number;
  readonly instruction: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `invalid plan at instruction ${this.index} (${this.instruction}): ${this.reason}`;
  }
}

/** No backend of the requested kind can be created here. */
export class BackendUnavailable extends Data.TaggedError("BackendUnavailable")<{
  readonly backend: string;
  readonly reason: string;
  readonly hint: string;
}> {
  override get message(): string {
    return `backend "${this.backend}" is unavailable: ${this.reason}. ${this.hint}`;
  }
}

/** A user-supplied option or argument outside its valid range. */
export class InvalidArgument extends Data.TaggedError("InvalidArgument")<{
  readonly name: string;
  readonly value: unknown;
  readonly expected: string;
}> {
  override get message(): string {
    return `invalid ${this.name}: got ${formatValue(this.value)}; expected ${this.expected}`;
  }
}

/** Training produced a loss that is NaN or infinite. */
export class NonFiniteLoss extends Data.TaggedError("NonFiniteLoss")<{
  readonly step: number;
  readonly loss: number;
}> {
  override get message(): string {
    return `non-finite loss ${this.loss} at step ${this.step}; lower the learning rate or check the data`;
  }
}

/** No plan of a strategy fits the requested activation budget. */
export class BudgetInfeasible extends Data.TaggedError("BudgetInfeasible")<{
  readonly strategy: string;
  readonly requestedBytes: number;
  readonly smallestFeasibleBytes: number;
}> {
  override get message(): string {
    return `${this.strategy}: no plan fits in ${this.requestedBytes} bytes of activations; the smallest feasible budget is ${this.smallestFeasibleBytes} bytes`;
  }
}

/** The device a backend ran on went away (driver reset, out of memory, destroyed). */
export class DeviceLost extends Data.TaggedError("DeviceLost")<{
  readonly backend: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `backend "${this.backend}": the device was lost (${this.reason}); create a new backend to continue`;
  }
}

/** Every typed failure remat raises for a user mistake. */
export type RematError =
  | ShapeMismatch
  | UnknownOp
  | PlanInvalid
  | BackendUnavailable
  | InvalidArgument
  | NonFiniteLoss
  | BudgetInfeasible
  | DeviceLost;

/** True when `e` is one of remat's typed errors. */
export function isRematError(e: unknown): e is RematError {
  const tag = (e as { _tag?: unknown } | null)?._tag;
  return typeof tag === "string" &&
    ["ShapeMismatch", "UnknownOp", "PlanInvalid", "BackendUnavailable", "InvalidArgument", "NonFiniteLoss", "BudgetInfeasible", "DeviceLost"]
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
