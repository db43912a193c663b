/**
 * Kernels a user defines, without editing any package: a CPU function (required) and
 * optionally a WGSL function for WebGPU. A user's op calls one from its forward or backward
 * rule through `backend.runUserKernel`; a backend without an implementation reports
 * `MissingKernel` before a plan runs (see `checkKernels`).
 * @module
 */
import type { Backend } from "./backend.ts";
import { InvalidArgument, MissingKernel } from "./errors.ts";
import type { Shape } from "./tensor.ts";

/** What a CPU implementation receives: host views of the inputs (no copies) and of the output. */
export interface UserKernelArgs {
  /** The inputs' elements, in order (Int32Array for i32 inputs). */
  readonly inputs: ReadonlyArray<Float32Array | Int32Array>;
  /** The output's elements, zero-filled; the kernel writes every one. */
  readonly out: Float32Array;
  /** The call's integer parameters (at most 4). */
  readonly ints: ReadonlyArray<number>;
  /** The call's float parameters (at most 4). */
  readonly floats: ReadonlyArray<number>;
}

/** A user-defined kernel: one f32 output computed from its inputs. */
export interface UserKernel {
  /** Unique among the program's user kernels, e.g. "softsign" or "softsignBackward". */
  readonly name: string;
  /** The CPU implementation: fills `args.out`. Must be deterministic (fixed summation order). */
  readonly cpu: (args: UserKernelArgs) => void;
  /**
   * The WebGPU implementation, optional: WGSL that defines `fn element(i: u32) -> f32`, the
   * output's element i. It may read the inputs as `in0`, `in1`, … (`array<f32>`, or
   * `array<i32>` for i32 inputs), the element count as `p.n`, and the call's parameters as
   * `p.u0..p.u3` (u32) and `p.f0..p.f3` (f32).
   */
  readonly wgsl?: string;
}

/** How one call of a user kernel is shaped. */
export interface UserKernelCall {
  /** The output's shape. */
  readonly shape: Shape;
  /** Up to 4 integer parameters (non-negative, below 2³²). */
  readonly ints?: ReadonlyArray<number>;
  /** Up to 4 float parameters. */
  readonly floats?: ReadonlyArray<number>;
}

const REGISTRY = new Map<string, UserKernel>();

/**
 * Defines (and registers by name) a user kernel.
 * @throws InvalidArgument for an empty or already used name, a missing CPU function, or WGSL
 * that does not define `element`
 * @example
 * ```ts
 * import { defineKernel } from "@remat/core";
 * const square = defineKernel({
 *   name: "square",
 *   cpu: ({ inputs: [x], out }) => out.forEach((_, i) => (out[i] = x![i]! * x![i]!)),
 *   wgsl: "fn element(i: u32) -> f32 { return in0[i] * in0[i]; }",
 * });
 * ```
 */
export function defineKernel(spec: UserKernel): UserKernel {
  if (typeof spec.name !== "string" || !/^[A-Za-z_][\w.-]*$/.test(spec.name)) {
    throw new InvalidArgument({
      name: "kernel name",
      value: spec.name,
      expected: "a name like softsignBackward",
    });
  }
  if (REGISTRY.has(spec.name) && REGISTRY.get(spec.name) !== spec) {
    throw new InvalidArgument({
      name: "kernel name",
      value: spec.name,
      expected: "a name no other user kernel of this program has",
    });
  }
  if (typeof spec.cpu !== "function") {
    throw new InvalidArgument({
      name: `kernel ${spec.name} cpu`,
      value: typeof spec.cpu,
      expected: "a function",
    });
  }
  if (spec.wgsl !== undefined && !/\bfn\s+element\s*\(/.test(spec.wgsl)) {
    throw new InvalidArgument({
      name: `kernel ${spec.name} wgsl`,
      value: spec.wgsl.slice(0, 60),
      expected: "WGSL defining fn element(i: u32) -> f32",
    });
  }
  REGISTRY.set(spec.name, spec);
  return spec;
}

/**
 * The user kernel defined under `name`, or undefined.
 * @example
 * ```ts
 * import { userKernel } from "@remat/core";
 * userKernel("square"); // the kernel, once defineKernel({ name: "square", ... }) ran
 * ```
 */
export function userKernel(name: string): UserKernel | undefined {
  return REGISTRY.get(name);
}

/**
 * Throws InvalidArgument unless `call` has at most 4 ints (u32) and 4 floats.
 * @example
 * ```ts
 * import { checkUserKernelCall } from "@remat/core";
 * checkUserKernelCall("square", { shape: [4], ints: [1, 2] });
 * ```
 */
export function checkUserKernelCall(name: string, call: UserKernelCall): void {
  const ints = call.ints ?? [], floats = call.floats ?? [];
  if (ints.length > 4 || ints.some((v) => !Number.isInteger(v) || v < 0 || v >= 2 ** 32)) {
    throw new InvalidArgument({
      name: `${name} ints`,
      value: [...ints],
      expected: "at most 4 integers in [0, 2³²)",
    });
  }
  if (floats.length > 4) {
    throw new InvalidArgument({ name: `${name} floats`, value: [...floats], expected: "at most 4 numbers" });
  }
}

/**
 * Throws MissingKernel unless `backend` can run every user kernel named: each must be defined
 * in this program and implemented for the backend. Plans record the kernels their chain
 * uses, and `executePlan` and `train` call this before anything runs.
 * @example
 * ```ts
 * import { requireKernels } from "@remat/core";
 * requireKernels(backend, staticProfile(chain, 16).userKernels ?? []);
 * ```
 */
export function requireKernels(backend: Backend, names: ReadonlyArray<string>): void {
  for (const name of names) {
    const kernel = REGISTRY.get(name);
    if (!kernel) {
      throw new MissingKernel({
        kernel: name,
        backend: backend.name,
        reason: "no kernel of that name is defined in this program (defineKernel)",
      });
    }
    if (!backend.canRun(kernel)) {
      throw new MissingKernel({
        kernel: name,
        backend: backend.name,
        reason: kernel.wgsl === undefined
          ? `it has a cpu implementation only; give it a wgsl source to run on ${backend.name}, or use the cpu backend`
          : `${backend.name} cannot run it`,
      });
    }
  }
}
