/**
 * What an op is: a forward that validates shapes and calls kernels, a backward rule that
 * maps the output cotangent to input cotangents, and a cost model. One op, one place.
 * @module
 */
import type { Backend } from "../backend.ts";
import { DTypeMismatch, InvalidArgument, ShapeMismatch } from "../errors.ts";
import type { MemoryKind } from "../memory.ts";
import { type DType, type Shape, sizeOf, type Tensor } from "../tensor.ts";

/** Work of one kernel call, for static profiles. */
export interface Cost {
  /** Floating-point operations. */
  readonly flops: number;
  /** Bytes read and written. */
  readonly bytes: number;
}

/** Forward and backward work of an op application. */
export interface OpCost {
  /** Work of the forward. */
  readonly forward: Cost;
  /** Work of the backward. */
  readonly backward: Cost;
}

/** What a forward produced. */
export interface ForwardResult {
  /** The op's output, owned by the caller. */
  readonly out: Tensor;
  /** Tensors the backward needs (inputs, aux or out); retained by a tape. */
  readonly saved: ReadonlyArray<Tensor>;
  /** Tensors created besides `out` (owned by the caller, who releases them). */
  readonly aux: ReadonlyArray<Tensor>;
}

/** One input of an op: its role (named in errors) and the element type it accepts. */
export interface InputSpec {
  /** The input's role, e.g. "x", "labels". */
  readonly name: string;
  /** The dtype it must have, or "any". */
  readonly dtype: DType | "any";
}

/** An op with its forward, backward rule and cost. */
export interface Op<A = undefined> {
  /** The op's name, as in the registry. */
  readonly name: string;
  /** Its inputs in order: the recorder checks their number and dtypes before the forward runs. */
  readonly inputs: ReadonlyArray<InputSpec>;
  /** Runs the forward; throws ShapeMismatch naming the op and the shapes. */
  forward(b: Backend, inputs: ReadonlyArray<Tensor>, attrs: A): ForwardResult;
  /**
   * Cotangents of the inputs (null where none flows, e.g. integer ids), newly owned. `dy`
   * is not consumed, and not written unless `options.dyIsScratch` says the caller holds it
   * alone and drops it afterwards.
   */
  backward(
    b: Backend,
    saved: ReadonlyArray<Tensor>,
    attrs: A,
    dy: Tensor,
    options?: BackwardOptions,
  ): ReadonlyArray<Tensor | null>;
  /** Work of forward and backward for these input shapes. */
  cost(shapes: ReadonlyArray<Shape>, attrs: A): OpCost;
}

/** Per input of an op, the memory kind its gradient is allocated under; absent: the backend's default. */
export type GradientKinds = ReadonlyArray<MemoryKind | undefined>;

/** What the caller of a backward rule allows it. */
export interface BackwardOptions {
  /**
   * Per input, the kind a gradient the rule allocates for it is allocated under (see
   * `gradientAs`); a tape passes "parameterGradient" for parameters.
   */
  readonly kinds?: GradientKinds;
  /**
   * True when the caller is dy's only holder and releases it after the rule returns: the
   * rule may then compute an elementwise cotangent in dy's buffer instead of a new one.
   */
  readonly dyIsScratch?: boolean;
}

/**
 * Runs `compute` (which allocates the gradient of input `j`) with the backend's default
 * allocation kind set to `kinds[j]`, when given. A parameter's gradient is then counted as
 * parameter-gradient memory from the moment its buffer exists, not only once the op that
 * computes it has returned.
 *
 * @example
 * ```ts
 * import { gradientAs } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const b = new CpuBackend();
 * const g = gradientAs(b, ["parameterGradient"], 0, () => b.alloc([4], "f32"));
 * console.log(g.storage.kind); // "parameterGradient"
 * ```
 */
export function gradientAs<T>(b: Backend, kinds: GradientKinds | undefined, j: number, compute: () => T): T {
  const kind = kinds?.[j];
  return kind === undefined ? compute() : b.memory.withKind(kind, compute);
}

/**
 * Throws a ShapeMismatch for `op` unless `ok`.
 *
 * @example
 * ```ts
 * import { requireShapes, type Tensor } from "@remat/core";
 * function checkSquare(t: Tensor): void {
 *   requireShapes(t.shape.length === 2 && t.shape[0] === t.shape[1], "inverse", "a square matrix", t);
 * }
 * ```
 */
export function requireShapes(ok: boolean, op: string, expected: string, ...tensors: Tensor[]): void {
  if (!ok) throw new ShapeMismatch({ op, expected, shapes: tensors.map((t) => t.shape) });
}

/**
 * Throws DTypeMismatch (naming the op, the input, the dtype seen and the valid one) unless
 * the tensor has the dtype.
 *
 * @example
 * ```ts
 * import { requireDType, type Tensor } from "@remat/core";
 * function checkLabels(labels: Tensor): void {
 *   requireDType(labels, "i32", "crossEntropy", "labels");
 * }
 * ```
 */
export function requireDType(t: Tensor, dtype: DType, op: string, role: string): void {
  if (t.dtype !== dtype) {
    throw new DTypeMismatch({ op, input: role, got: t.dtype, shape: t.shape, expected: dtype });
  }
}

/**
 * Checks `inputs` against an op's declared inputs: their number, then each dtype.
 * @throws InvalidArgument for a wrong number of inputs, DTypeMismatch for a wrong dtype
 * @example
 * ```ts
 * import { checkInputs, OPS, type Tensor } from "@remat/core";
 * function apply(a: Tensor, b: Tensor) {
 *   checkInputs(OPS.sub, [a, b]);
 * }
 * ```
 */
export function checkInputs(op: Op<any>, inputs: ReadonlyArray<Tensor>): void {
  if (inputs.length !== op.inputs.length) {
    throw new InvalidArgument({
      name: `${op.name} inputs`,
      value: inputs.length,
      expected: `${op.inputs.length} (${op.inputs.map((i) => i.name).join(", ")})`,
    });
  }
  op.inputs.forEach((spec, j) => {
    if (spec.dtype !== "any") requireDType(inputs[j]!, spec.dtype, op.name, spec.name);
  });
}

/**
 * Cost of an elementwise op over `n` elements reading `reads` and writing one tensor.
 *
 * @example
 * ```ts
 * import { elementwiseCost } from "@remat/core";
 * elementwiseCost(1000, 2).forward; // { flops: 1000, bytes: 12000 }
 * ```
 */
export function elementwiseCost(n: number, reads: number, flopsPerElement = 1): OpCost {
  const c = { flops: n * flopsPerElement, bytes: 4 * n * (reads + 1) };
  return { forward: c, backward: { flops: 2 * c.flops, bytes: c.bytes + 4 * n } };
}

/**
 * Elements of the first shape.
 *
 * @example
 * ```ts
 * import { elements } from "@remat/core";
 * elements([[4, 8], [8]]); // 32
 * ```
 */
export function elements(shapes: ReadonlyArray<Shape>): number {
  return sizeOf(shapes[0] ?? []);
}
