/**
 * The Backend interface: buffer lifecycle plus a kernel table, and the Effect service
 * under which a backend is provided.
 * @module
 */
import { Context } from "effect";
import type { KernelTable } from "./kernels.ts";
import type { UserKernel, UserKernelCall } from "./user_kernel.ts";
import type { MemoryAccountant, MemoryKind } from "./memory.ts";
import { type DType, type HostArray, type Shape, sizeOf, type Tensor } from "./tensor.ts";
import { ShapeMismatch } from "./errors.ts";

/** A compute backend: where tensors live and kernels run. */
export interface Backend {
  /** Short name, e.g. "cpu" or "webgpu". */
  readonly name: string;
  /** Human description of the device (adapter name, threads). */
  readonly device: string;
  /** Accounts every buffer this backend allocates. */
  readonly memory: MemoryAccountant;
  /** The kernels. */
  readonly kernels: KernelTable;
  /** A zero-filled tensor; `kind` defaults to `memory.defaultKind`. */
  alloc(shape: Shape, dtype: DType, kind?: MemoryKind): Tensor;
  /** A tensor holding a copy of `data`. */
  upload<D extends DType>(data: HostArray<D>, shape: Shape, dtype: D, kind?: MemoryKind): Tensor;
  /** A host copy of the tensor's elements. */
  read(t: Tensor): Promise<Float32Array | Int32Array>;
  /** Host copies of several tensors at once (one readback on a GPU); optional. */
  readMany?(ts: ReadonlyArray<Tensor>): Promise<Array<Float32Array | Int32Array>>;
  /** Waits for queued work to finish (a no-op on CPU). */
  flush(): Promise<void>;
  /** Whether {@link runUserKernel} can run `kernel` here. */
  canRun(kernel: UserKernel): boolean;
  /**
   * Runs a user-defined kernel into a new f32 tensor of `call.shape` (counted under the
   * default kind, like every kernel output).
   * @throws MissingKernel when this backend has no implementation of it
   */
  runUserKernel(kernel: UserKernel, inputs: ReadonlyArray<Tensor>, call: UserKernelCall): Tensor;
  /** Releases device resources. Tensors must not be used afterwards. */
  dispose(): void;
}

/** The base class of {@link BackendService}: `Context.Service<BackendService, Backend>()` under its key. */
export const BackendServiceBase: Context.ServiceClass<BackendService, "@remat/core/Backend", Backend> =
  Context.Service<BackendService, Backend>()("@remat/core/Backend");

/**
 * The Effect service holding the active backend.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { BackendService, withBackend } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const name = await Effect.runPromise(
 *   BackendService.useSync((b) => b.name).pipe(Effect.provide(withBackend(new CpuBackend()))),
 * ); // "cpu"
 * ```
 */
export class BackendService extends BackendServiceBase {}

/**
 * A view of `t` with another shape of the same size, sharing (and retaining) its storage.
 *
 * @example
 * ```ts
 * import { view } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const t = backend.upload(new Float32Array(6), [2, 3], "f32");
 * const flat = view(t, [6]); // shares t's storage; release both when done
 * flat.release();
 * t.release();
 * ```
 */
export function view(t: Tensor, shape: Shape): Tensor {
  if (sizeOf(shape) !== t.size) {
    throw new ShapeMismatch({
      op: "view",
      expected: `a shape with ${t.size} elements`,
      shapes: [t.shape, shape],
    });
  }
  t.retain();
  return new (t.constructor as typeof Tensor)(shape, t.dtype, t.storage);
}
