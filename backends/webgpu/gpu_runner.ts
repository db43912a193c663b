/**
 * Encodes kernel dispatches into one command encoder and submits them in batches: a
 * submit (and a readback) costs far more than a dispatch, so work is queued until a
 * readback, an upload, a flush or a full uniform arena forces it out. Pipelines are created
 * once per shader and cached. Uniforms of a batch live in one arena buffer, written with a
 * single `writeBuffer` right before the batch is submitted.
 * @module
 */
import { DeviceLost } from "@remat/core";
import { MAP_READ_MODE, USAGE } from "./gpu_flags.ts";
import type { KernelSource } from "./wgsl.ts";

/** The u32 then the f32 fields of a kernel's uniform block. */
export interface Params {
  /** The u32 fields, in order. */
  readonly u?: ReadonlyArray<number>;
  /** The f32 fields, after the u32 ones. */
  readonly f?: ReadonlyArray<number>;
}

/** One dispatch: the shader, its storage buffers in binding order, uniforms and the grid. */
export interface Dispatch {
  /** Storage buffers, in binding order. */
  readonly bind: ReadonlyArray<GPUBuffer>;
  /** The uniform block, if the shader has one. */
  readonly params?: Params;
  /** Workgroups along x, y and z (y and z default to 1). */
  readonly groups: readonly [number, number?, number?];
}

const SLOT = 256; // minUniformBufferOffsetAlignment
const SLOTS = 1024;

/**
 * Queues dispatches, copies and clears for one device.
 *
 * @example
 * ```ts
 * import { WebGpuBackend } from "@remat/webgpu";
 * const gpu = await WebGpuBackend.create();
 * gpu.kernels.relu(gpu.upload(new Float32Array([1, -1]), [2], "f32"));
 * console.log(gpu.runner.stats); // { dispatches: 1, submits: ..., pipelines: 1 }
 * gpu.dispose();
 * ```
 */
export class GpuRunner {
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  readonly #arena: GPUBuffer;
  readonly #staging = new ArrayBuffer(SLOT * SLOTS);
  readonly #u32 = new Uint32Array(this.#staging);
  readonly #f32 = new Float32Array(this.#staging);
  #slots = 0;
  #encoder: GPUCommandEncoder | null = null;
  #pass: GPUComputePassEncoder | null = null;
  #dispatches = 0;
  #submits = 0;
  #lost: string | null = null;
  #error: string | null = null;

  /** A runner on `device`; `backendName` names the backend in `DeviceLost` errors. */
  constructor(readonly device: GPUDevice, readonly backendName = "webgpu") {
    this.#arena = device.createBuffer({ size: SLOT * SLOTS, usage: USAGE.UNIFORM | USAGE.COPY_DST });
    device.lost.then((info) => {
      this.#lost = `${info.reason}${info.message ? `: ${info.message}` : ""}`;
    });
    device.addEventListener("uncapturederror", (event) => {
      this.#error ??= (event as GPUUncapturedErrorEvent).error.message;
    });
  }

  /** Counters for benchmarks: dispatches encoded and batches submitted. */
  get stats(): { dispatches: number; submits: number; pipelines: number } {
    return { dispatches: this.#dispatches, submits: this.#submits, pipelines: this.#pipelines.size };
  }

  /** Throws `DeviceLost` once the device is gone, so a step fails cleanly instead of hanging. */
  checkAlive(): void {
    if (this.#lost !== null) throw new DeviceLost({ backend: this.backendName, reason: this.#lost });
  }

  /** Queues one dispatch of `kernel`. A grid with a zero dimension is skipped. */
  run(kernel: KernelSource, d: Dispatch): void {
    this.checkAlive();
    const [x, y = 1, z = 1] = d.groups;
    if (x === 0 || y === 0 || z === 0) return;
    if (this.#slots === SLOTS) this.submit();
    const pipeline = this.#pipeline(kernel);
    const entries: GPUBindGroupEntry[] = d.bind.map((buffer, binding) => ({ binding, resource: { buffer } }));
    if (d.params) {
      const slot = this.#slots++;
      const base = (slot * SLOT) / 4;
      const u = d.params.u ?? [], f = d.params.f ?? [];
      for (let i = 0; i < u.length; i++) this.#u32[base + i] = u[i]! >>> 0;
      for (let i = 0; i < f.length; i++) this.#f32[base + u.length + i] = f[i]!;
      const size = Math.max(16, Math.ceil((u.length + f.length) / 4) * 16);
      entries.push({ binding: d.bind.length, resource: { buffer: this.#arena, offset: slot * SLOT, size } });
    }
    const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.#computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
    this.#dispatches++;
  }

  /** Queues a fill of `buffer` with zeros. */
  clear(buffer: GPUBuffer, bytes = buffer.size): void {
    this.checkAlive();
    this.#commands().clearBuffer(buffer, 0, Math.ceil(bytes / 4) * 4);
  }

  /** Queues a copy between buffers. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number): void {
    this.checkAlive();
    this.#commands().copyBufferToBuffer(src, 0, dst, 0, Math.ceil(bytes / 4) * 4);
  }

  /** Submits everything queued (uniforms first). Cheap when nothing is queued. */
  submit(): void {
    if (this.#encoder === null) return;
    this.#pass?.end();
    this.#pass = null;
    if (this.#slots > 0) this.device.queue.writeBuffer(this.#arena, 0, this.#staging, 0, this.#slots * SLOT);
    this.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = null;
    this.#slots = 0;
    this.#submits++;
  }

  /** Submits and waits for the device to finish; surfaces a lost device or a validation error. */
  async flush(): Promise<void> {
    this.submit();
    await this.device.queue.onSubmittedWorkDone();
    this.checkAlive();
    this.#throwCapturedError();
  }

  /** Copies `buffers` to host memory in one submission: one readback for all of them. */
  async readMany(buffers: ReadonlyArray<{ buffer: GPUBuffer; bytes: number }>): Promise<ArrayBuffer[]> {
    this.checkAlive();
    const stagings = buffers.map(({ bytes }) =>
      this.device.createBuffer({
        size: Math.max(4, Math.ceil(bytes / 4) * 4),
        usage: USAGE.MAP_READ | USAGE.COPY_DST,
      })
    );
    buffers.forEach(({ buffer, bytes }, i) => {
      if (bytes > 0) this.copy(buffer, stagings[i]!, bytes);
    });
    if (this.#encoder === null) this.#commands();
    this.submit();
    try {
      await Promise.all(stagings.map((s) => s.mapAsync(MAP_READ_MODE)));
    } catch (e) {
      this.checkAlive();
      throw e;
    }
    this.#throwCapturedError();
    return stagings.map((s, i) => {
      const out = s.getMappedRange(0, Math.ceil(buffers[i]!.bytes / 4) * 4 || 4).slice(0, buffers[i]!.bytes);
      s.unmap();
      s.destroy();
      return out;
    });
  }

  #throwCapturedError(): void {
    if (this.#error === null) return;
    const message = this.#error;
    this.#error = null;
    throw new Error(`remat internal: WebGPU reported an error: ${message}`);
  }

  #commands(): GPUCommandEncoder {
    this.#pass?.end();
    this.#pass = null;
    return this.#encoder ??= this.device.createCommandEncoder();
  }

  #computePass(): GPUComputePassEncoder {
    if (this.#pass) return this.#pass;
    return this.#pass = this.#commands().beginComputePass();
  }

  #pipeline(kernel: KernelSource): GPUComputePipeline {
    let p = this.#pipelines.get(kernel.code);
    if (!p) {
      const module = this.device.createShaderModule({ label: kernel.key, code: kernel.code });
      p = this.device.createComputePipeline({
        label: kernel.key,
        layout: "auto",
        compute: { module, entryPoint: "main" },
      });
      this.#pipelines.set(kernel.code, p);
    }
    return p;
  }
}
