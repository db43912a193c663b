/**
 * @remat/webgpu — the WebGPU backend: every kernel of the core op set as a WGSL compute
 * shader, deterministic (fixed reduction order, no atomics), pooled buffers, batched submits.
 *
 * @example
 * ```ts
 * import { WebGpuBackend } from "@remat/webgpu";
 * const gpu = await WebGpuBackend.create(); // BackendUnavailable when there is no adapter
 * const x = gpu.upload(new Float32Array([1, -2]), [2], "f32");
 * console.log(await gpu.read(gpu.kernels.relu(x)));
 * gpu.dispose();
 * ```
 * @module
 */
export * from "./device.ts";
export * from "./webgpu_backend.ts";
export { BufferPool, sizeClass } from "./buffer_pool.ts";
export { type Dispatch, GpuRunner, type Params as DispatchParams } from "./gpu_runner.ts";
export type { KernelSource } from "./wgsl.ts";
export * from "./select.ts";

/** Types of @remat/core that appear in this package's signatures, re-exported so its docs are complete. */
export type {
  Activation,
  AdamWHyper,
  Backend,
  BackendUnavailable,
  BackendUnavailableBase,
  BatchNormAttrs,
  BatchNormOptions,
  Conv2dAttrs,
  ConvGeometry,
  DType,
  HostArray,
  InvalidArgument,
  InvalidArgumentBase,
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
  TaggedErrorClass,
  Tensor,
  UserKernel,
  UserKernelArgs,
  UserKernelCall,
} from "@remat/core";
export { type MatmulTile, matmulTile } from "./kernels/matmul.ts";
