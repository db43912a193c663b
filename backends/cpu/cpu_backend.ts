/**
 * The CPU reference backend: storage is a plain TypedArray, kernels are plain functions.
 * @module
 */
import { type Backend, type DType, type HostArray, type KernelTable, MemoryAccountant, type MemoryKind, type Shape, sizeOf, Storage, Tensor } from "@remat/core";
import { makeCpuKernels } from "./kernels.ts";

/** A backend running every kernel on the calling thread over TypedArrays. */
export class CpuBackend implements Backend {
  readonly name = "cpu";
  readonly device = "CPU (single thread, TypedArrays)";
  readonly memory: MemoryAccountant = new MemoryAccountant();
  readonly kernels: KernelTable;

  constructor() {
    this.kernels = makeCpuKernels(this);
  }

  alloc(shape: Shape, dtype: DType, kind: MemoryKind = this.memory.defaultKind): Tensor {
    const n = sizeOf(shape);
    const data = dtype === "f32" ? new Float32Array(n) : new Int32Array(n);
    return new Tensor(shape, dtype, new Storage(data, n * 4, kind, this.memory, noop));
  }

  upload<D extends DType>(data: HostArray<D>, shape: Shape, dtype: D, kind?: MemoryKind): Tensor {
    const t = this.alloc(shape, dtype, kind);
    (t.storage.handle as HostArray<D>).set(data.subarray(0, t.size) as never);
    return t;
  }

  read(t: Tensor): Promise<Float32Array | Int32Array> {
    return Promise.resolve(cpuData(t).slice());
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): void {}
}

/** The TypedArray behind an f32 tensor on the CPU backend (no copy). */
export function f32(t: Tensor): Float32Array {
  return t.storage.handle as Float32Array;
}

/** The TypedArray behind an i32 tensor on the CPU backend (no copy). */
export function i32(t: Tensor): Int32Array {
  return t.storage.handle as Int32Array;
}

/** The TypedArray behind any tensor on the CPU backend (no copy). */
export function cpuData(t: Tensor): Float32Array | Int32Array {
  return t.storage.handle as Float32Array | Int32Array;
}

function noop(): void {}
