/**
 * The CPU reference backend: storage is a plain TypedArray, kernels are plain functions.
 * @module
 */
import {
  type Backend,
  checkUserKernelCall,
  type DType,
  type HostArray,
  InvalidArgument,
  type KernelTable,
  MemoryAccountant,
  type MemoryKind,
  type Shape,
  sizeOf,
  Storage,
  Tensor,
  type UserKernel,
  type UserKernelCall,
} from "@remat/core";
import { makeCpuKernels } from "./kernels.ts";
import { hardwareThreads } from "./gemm/wasm_kernel.ts";
import { loadOpenBlas, type NativeGemm } from "./gemm/native_blas.ts";
import { BufferPool, type PooledArray } from "./buffer_pool.ts";

/** Released arrays kept for reuse by default: 64 MiB. */
export const DEFAULT_REUSE_BYTES: number = 64 * 1024 * 1024;

/**
 * Options of {@link CpuBackend}.
 *
 * @example
 * ```ts
 * import { CpuBackend, type CpuBackendOptions } from "@remat/cpu";
 * const options: CpuBackendOptions = { threads: 1 };
 * console.log(new CpuBackend(options).threads); // 1
 * ```
 */
export interface CpuBackendOptions {
  /** Threads for matrix products (1 up to the hardware's; more are capped); default all. */
  readonly threads?: number;
  /**
   * The matrix product: "wasm" (default: the WebAssembly SIMD kernel, nothing to install, the
   * same bits under Deno and Bun) or "openblas" (a system OpenBLAS through FFI: several times
   * faster where present, other bits; Deno needs --allow-ffi). "openblas" where it cannot load
   * throws BackendUnavailable saying why.
   */
  readonly gemm?: "wasm" | "openblas";
  /**
   * Bytes of released tensor arrays kept for reuse (handed back zero-filled, so results are
   * the same bits either way); 0 turns reuse off. Default 64 MiB. These free arrays are not
   * live tensors: the memory accountant does not count them.
   */
  readonly reuseBytes?: number;
}

/**
 * A backend over TypedArrays. Matrix products run on the WebAssembly SIMD kernel, on up to
 * `threads` threads (default: every hardware thread), each row of a product computed by one
 * thread in a fixed order, so the bits of every result are the same for any thread count;
 * every other kernel runs on the calling thread.
 *
 * @example
 * ```ts
 * import { CpuBackend } from "@remat/cpu";
 * const cpu = new CpuBackend();
 * const x = cpu.upload(new Float32Array([1, -2, 3]), [3], "f32");
 * console.log(await cpu.read(cpu.kernels.relu(x))); // Float32Array [1, 0, 3]
 * ```
 */
export class CpuBackend implements Backend {
  /** Always "cpu". */
  readonly name = "cpu";
  /** A description of the device. */
  readonly device: string;
  /** Threads matrix products may use. */
  readonly threads: number;
  /** The native sgemm matrix products run on, when `gemm: "openblas"` was asked for. */
  readonly nativeGemm: NativeGemm | undefined;
  /** Accounts every buffer this backend allocates. */
  readonly memory: MemoryAccountant = new MemoryAccountant();
  /** The CPU kernels. */
  readonly kernels: KernelTable;
  /** Released arrays kept for reuse. */
  readonly pool: BufferPool;
  readonly #giveBack: (handle: unknown) => void;

  /**
   * A CPU backend with its own memory accountant.
   * @param options.threads threads for matrix products, 1 up to the hardware's (default all)
   */
  constructor(options: CpuBackendOptions = {}) {
    const threads = options.threads ?? hardwareThreads;
    if (!(Number.isInteger(threads) && threads >= 1)) {
      throw new InvalidArgument({ name: "threads", value: threads, expected: "a positive integer" });
    }
    this.threads = Math.min(threads, hardwareThreads);
    const gemm = options.gemm ?? "wasm";
    if (gemm !== "wasm" && gemm !== "openblas") {
      throw new InvalidArgument({ name: "gemm", value: gemm, expected: '"wasm" or "openblas"' });
    }
    const reuseBytes = options.reuseBytes ?? DEFAULT_REUSE_BYTES;
    if (!(Number.isSafeInteger(reuseBytes) && reuseBytes >= 0)) {
      throw new InvalidArgument({
        name: "reuseBytes",
        value: reuseBytes,
        expected: "a whole number of bytes ≥ 0",
      });
    }
    this.pool = new BufferPool(reuseBytes);
    const pool = this.pool;
    this.#giveBack = (handle) => pool.give(handle as PooledArray);
    this.nativeGemm = gemm === "openblas" ? loadOpenBlas() : undefined;
    this.device = `CPU (${this.threads} thread${this.threads === 1 ? "" : "s"} for matrix products, ${
      this.nativeGemm ? "OpenBLAS" : "WebAssembly SIMD"
    } gemm, TypedArrays)`;
    this.kernels = makeCpuKernels(this);
  }

  /** A zero-filled tensor; `kind` defaults to `memory.defaultKind`. */
  alloc(shape: Shape, dtype: DType, kind: MemoryKind = this.memory.defaultKind): Tensor {
    const n = sizeOf(shape);
    const data = this.pool.take(dtype, n);
    return new Tensor(shape, dtype, new Storage(data, n * 4, kind, this.memory, this.#giveBack));
  }

  /**
   * A tensor for a kernel that writes every element before any is read: its array may be a
   * reused one, not zero-filled (saves the fill on products and element-wise passes).
   */
  allocForWrite(shape: Shape, dtype: DType): Tensor {
    const n = sizeOf(shape);
    const data = this.pool.take(dtype, n, false);
    return new Tensor(
      shape,
      dtype,
      new Storage(data, n * 4, this.memory.defaultKind, this.memory, this.#giveBack),
    );
  }

  /** A tensor holding a copy of `data`. */
  upload<D extends DType>(data: HostArray<D>, shape: Shape, dtype: D, kind?: MemoryKind): Tensor {
    const t = this.alloc(shape, dtype, kind);
    (t.storage.handle as HostArray<D>).set(data.subarray(0, t.size) as never);
    return t;
  }

  /** A host copy of the tensor's elements. */
  read(t: Tensor): Promise<Float32Array | Int32Array> {
    return Promise.resolve(cpuData(t).slice());
  }

  /** Resolves at once: CPU kernels finish before they return. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Every user kernel has a CPU implementation. */
  canRun(_kernel: UserKernel): boolean {
    return true;
  }

  /** Runs the kernel's CPU function on views of the inputs into a new zero-filled tensor. */
  runUserKernel(kernel: UserKernel, inputs: ReadonlyArray<Tensor>, call: UserKernelCall): Tensor {
    checkUserKernelCall(kernel.name, call);
    const t = this.alloc(call.shape, "f32");
    try {
      kernel.cpu({
        inputs: inputs.map(cpuData),
        out: f32(t),
        ints: call.ints ?? [],
        floats: call.floats ?? [],
      });
    } catch (e) {
      t.release();
      throw e;
    }
    return t;
  }

  /** Drops the arrays kept for reuse; live tensors stay valid (they are garbage-collected arrays). */
  dispose(): void {
    this.pool.clear();
  }
}

/**
 * The TypedArray behind an f32 tensor on the CPU backend (no copy).
 *
 * @example
 * ```ts
 * import { CpuBackend, f32 } from "@remat/cpu";
 * const cpu = new CpuBackend();
 * const t = cpu.upload(new Float32Array([1, 2]), [2], "f32");
 * f32(t)[0] = 5; // writes through to the tensor
 * ```
 */
export function f32(t: Tensor): Float32Array {
  return t.storage.handle as Float32Array;
}

/**
 * The TypedArray behind an i32 tensor on the CPU backend (no copy).
 *
 * @example
 * ```ts
 * import { CpuBackend, i32 } from "@remat/cpu";
 * const cpu = new CpuBackend();
 * const ids = cpu.upload(new Int32Array([3, 1]), [2], "i32");
 * console.log(i32(ids)[0]); // 3
 * ```
 */
export function i32(t: Tensor): Int32Array {
  return t.storage.handle as Int32Array;
}

/**
 * The TypedArray behind any tensor on the CPU backend (no copy).
 *
 * @example
 * ```ts
 * import { CpuBackend, cpuData } from "@remat/cpu";
 * const cpu = new CpuBackend();
 * console.log(cpuData(cpu.alloc([2, 2], "f32")).length); // 4
 * ```
 */
export function cpuData(t: Tensor): Float32Array | Int32Array {
  return t.storage.handle as Float32Array | Int32Array;
}
