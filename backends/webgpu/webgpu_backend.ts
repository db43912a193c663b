/**
 * The WebGPU backend: storage is a pooled GPUBuffer, kernels are WGSL compute shaders
 * queued on one command encoder. Buffers are accounted at their tensor's size, so the
 * scheduler's measured peak is live activation bytes exactly as on CPU; the pool's spare
 * buffers are reported apart (`pooledBytes`).
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
import { BufferPool } from "./buffer_pool.ts";
import { type GpuContext, requestGpu, type RequestGpuOptions } from "./device.ts";
import { GpuRunner } from "./gpu_runner.ts";
import { makeWebGpuKernels } from "./kernels.ts";
import { userKernelGroups, userKernelParams, userKernelSource } from "./user_kernels.ts";

/** Options for {@link WebGpuBackend.create}. */
export interface WebGpuBackendOptions extends RequestGpuOptions {}

/**
 * A backend running every kernel as a WGSL compute shader.
 *
 * @example
 * ```ts
 * import { WebGpuBackend } from "@remat/webgpu";
 * const gpu = await WebGpuBackend.create(); // BackendUnavailable when there is no adapter
 * const x = gpu.upload(new Float32Array([1, -2]), [2], "f32");
 * console.log(await gpu.read(gpu.kernels.relu(x))); // Float32Array [1, 0]
 * gpu.dispose();
 * ```
 */
export class WebGpuBackend implements Backend {
  /** Always "webgpu". */
  readonly name = "webgpu";
  /** "WebGPU: " and the adapter's name. */
  readonly device: string;
  /** Accounts every buffer this backend allocates, at its tensor's size. */
  readonly memory: MemoryAccountant = new MemoryAccountant();
  /** The WGSL kernels. */
  readonly kernels: KernelTable;
  /** Queues this backend's dispatches and copies. */
  readonly runner: GpuRunner;
  /** The pool its buffers come from. */
  readonly pool: BufferPool;
  readonly #ownsDevice: boolean;
  readonly #maxBinding: number;
  #disposed = false;

  /**
   * A backend on an existing device. The device stays the caller's: `dispose` releases the
   * backend's buffers but does not destroy it (see {@link WebGpuBackend.create} for one that does).
   */
  constructor(readonly gpu: GpuContext, options: { ownsDevice?: boolean } = {}) {
    this.device = `WebGPU: ${gpu.adapterName}`;
    this.#ownsDevice = options.ownsDevice ?? false;
    this.#maxBinding = gpu.device.limits.maxStorageBufferBindingSize;
    this.runner = new GpuRunner(gpu.device, this.name);
    this.pool = new BufferPool(gpu.device);
    this.kernels = makeWebGpuKernels(this);
  }

  /**
   * Requests an adapter and device and builds a backend that owns them.
   * @throws BackendUnavailable when there is no WebGPU or no adapter
   * @example
   * ```ts
   * const gpu = await WebGpuBackend.create();
   * console.log(gpu.device);
   * gpu.dispose();
   * ```
   */
  static async create(options: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
    return new WebGpuBackend(await requestGpu(options), { ownsDevice: true });
  }

  /** A zero-filled tensor. */
  alloc(shape: Shape, dtype: DType, kind: MemoryKind = this.memory.defaultKind): Tensor {
    const t = this.output(shape, dtype, kind);
    this.runner.clear(gpuBuffer(t), t.bytes);
    return t;
  }

  /** A tensor whose contents are undefined until a kernel writes every element (for kernel outputs). */
  output(shape: Shape, dtype: DType, kind: MemoryKind = this.memory.defaultKind): Tensor {
    this.#checkUsable();
    const bytes = sizeOf(shape) * 4;
    if (bytes > this.#maxBinding) {
      throw new InvalidArgument({
        name: "tensor size",
        value: `${bytes} bytes for shape [${shape.join(", ")}]`,
        expected: `at most ${this.#maxBinding} bytes, this adapter's maxStorageBufferBindingSize`,
      });
    }
    const buffer = this.pool.take(bytes);
    const pool = this.pool;
    return new Tensor(
      shape,
      dtype,
      new Storage(buffer, bytes, kind, this.memory, (h) => pool.give(h as GPUBuffer)),
    );
  }

  upload<D extends DType>(data: HostArray<D>, shape: Shape, dtype: D, kind?: MemoryKind): Tensor {
    const t = this.output(shape, dtype, kind);
    if (t.size === 0) return t;
    if (data.length < t.size) {
      t.release();
      throw new InvalidArgument({
        name: "upload data",
        value: `${data.length} elements`,
        expected: `at least ${t.size} for shape [${shape.join(", ")}]`,
      });
    }
    // A pooled buffer may still be read by queued commands: submit them before the write.
    this.runner.submit();
    this.gpu.device.queue.writeBuffer(gpuBuffer(t), 0, data.buffer as ArrayBuffer, data.byteOffset, t.bytes);
    return t;
  }

  async read(t: Tensor): Promise<Float32Array | Int32Array> {
    const [bytes] = await this.runner.readMany([{ buffer: gpuBuffer(t), bytes: t.bytes }]);
    return t.dtype === "f32" ? new Float32Array(bytes!) : new Int32Array(bytes!);
  }

  /** Host copies of several tensors with a single readback. */
  async readMany(ts: ReadonlyArray<Tensor>): Promise<Array<Float32Array | Int32Array>> {
    const all = await this.runner.readMany(ts.map((t) => ({ buffer: gpuBuffer(t), bytes: t.bytes })));
    return all.map((bytes, i) => ts[i]!.dtype === "f32" ? new Float32Array(bytes) : new Int32Array(bytes));
  }

  flush(): Promise<void> {
    return this.runner.flush();
  }

  /** Bytes the buffer pool holds for reuse; not live, not counted by the accountant. */
  get pooledBytes(): number {
    return this.pool.pooledBytes;
  }

  /** Destroys pooled buffers after the queued work finishes. */
  async trimPool(): Promise<void> {
    await this.runner.flush();
    this.pool.trim();
  }

  /** A user kernel runs here when it has a WGSL source. */
  canRun(kernel: UserKernel): boolean {
    return kernel.wgsl !== undefined;
  }

  /** Runs the kernel's WGSL `element` over a new tensor of `call.shape`, one invocation per element. */
  runUserKernel(kernel: UserKernel, inputs: ReadonlyArray<Tensor>, call: UserKernelCall): Tensor {
    checkUserKernelCall(kernel.name, call);
    const source = userKernelSource(kernel, inputs.map((t) => t.dtype));
    const out = this.output(call.shape, "f32");
    this.runner.run(source, {
      bind: [...inputs.map(gpuBuffer), gpuBuffer(out)],
      params: userKernelParams(out.size, call),
      groups: userKernelGroups(out),
    });
    return out;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.runner.submit();
    if (this.#ownsDevice) this.gpu.device.destroy();
    else this.gpu.device.queue.onSubmittedWorkDone().then(() => this.pool.trim(), () => {});
  }

  #checkUsable(): void {
    if (this.#disposed) throw new Error("remat internal: WebGpuBackend used after dispose");
    this.runner.checkAlive();
  }
}

/**
 * The GPUBuffer behind a tensor on the WebGPU backend.
 *
 * @example
 * ```ts
 * import { gpuBuffer, WebGpuBackend } from "@remat/webgpu";
 * const gpu = await WebGpuBackend.create();
 * const t = gpu.alloc([4], "f32");
 * console.log(gpuBuffer(t).size >= t.bytes); // true: pooled buffers are rounded up to a size class
 * ```
 */
export function gpuBuffer(t: Tensor): GPUBuffer {
  return t.storage.handle as GPUBuffer;
}
