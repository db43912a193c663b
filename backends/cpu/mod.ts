/**
 * @remat/cpu — the CPU reference backend: every kernel on TypedArrays, deterministic.
 *
 * @example
 * ```ts
 * import { CpuBackend } from "@remat/cpu";
 * const cpu = new CpuBackend();
 * const x = cpu.upload(new Float32Array([1, -2]), [2], "f32");
 * console.log(await cpu.read(cpu.kernels.relu(x)));
 * ```
 * @module
 */
export * from "./cpu_backend.ts";
export { BufferPool, MIN_POOLED_ELEMENTS, type PooledArray } from "./buffer_pool.ts";
export type { NativeGemm } from "./gemm/native_blas.ts";

/** Types of @remat/core that appear in this package's signatures, re-exported so its docs are complete. */
export type {
  Activation,
  AdamWHyper,
  Backend,
  BatchNormAttrs,
  BatchNormOptions,
  Conv2dAttrs,
  ConvGeometry,
  DType,
  HostArray,
  Kernel,
  KernelName,
  KernelSignatures,
  KernelTable,
  MatmulOptions,
  MemoryAccountant,
  MemoryKind,
  MemoryReport,
  Pool2dAttrs,
  PoolGeometry,
  SgdHyper,
  Shape,
  Storage,
  Tensor,
  UserKernel,
  UserKernelArgs,
  UserKernelCall,
} from "@remat/core";
