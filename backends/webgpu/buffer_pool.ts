/**
 * A pool of GPU buffers. Released buffers are kept for reuse instead of destroyed, since
 * creating buffers is slow; the pool separates the bytes it holds from the live bytes the
 * memory accountant sees, so a checkpointing plan's measured peak is live bytes, as on CPU.
 * Buffers are bucketed by physical size (rounded up to a size class) and never destroyed
 * while work using them may still be queued: `trim` is only called after a flush.
 * @module
 */
import { USAGE } from "./gpu_flags.ts";

/** Every buffer this backend creates can be bound as storage and copied both ways. */
export const BUFFER_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

/**
 * The physical size for a request of `bytes`: at least 16, then rounded up so that sizes
 * within about 1/8 of each other share a class (bounded waste, high reuse).
 *
 * @example
 * ```ts
 * import { sizeClass } from "@remat/webgpu";
 * sizeClass(1000); // 1024
 * sizeClass(5000); // 5120
 * ```
 */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 4) * 4);
  if (b <= 4096) return Math.ceil(b / 256) * 256;
  const step = 2 ** Math.max(8, Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

/**
 * Reuses buffers by size class.
 *
 * @example
 * ```ts
 * import { BufferPool, requestGpu } from "@remat/webgpu";
 * const { device } = await requestGpu();
 * const pool = new BufferPool(device);
 * const buffer = pool.take(1000); // a 1024-byte buffer of the 1000-byte size class
 * pool.give(buffer);
 * ```
 */
export class BufferPool {
  readonly #free = new Map<number, GPUBuffer[]>();
  #pooledBytes = 0;
  #createdBytes = 0;
  #created = 0;
  #reused = 0;

  /** A pool of buffers created on `device`. */
  constructor(readonly device: GPUDevice) {}

  /** A buffer of at least `bytes` bytes, reused when one of its size class is free. Contents are undefined. */
  take(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const stack = this.#free.get(size);
    const reused = stack?.pop();
    if (reused) {
      this.#pooledBytes -= size;
      this.#reused++;
      return reused;
    }
    this.#created++;
    this.#createdBytes += size;
    return this.device.createBuffer({ size, usage: BUFFER_USAGE });
  }

  /** Returns a buffer for reuse. */
  give(buffer: GPUBuffer): void {
    const size = buffer.size;
    let stack = this.#free.get(size);
    if (!stack) this.#free.set(size, stack = []);
    stack.push(buffer);
    this.#pooledBytes += size;
  }

  /** Bytes held for reuse (not live). */
  get pooledBytes(): number {
    return this.#pooledBytes;
  }

  /** Counters: buffers created, reuses served, bytes ever created. */
  get stats(): { created: number; reused: number; createdBytes: number } {
    return { created: this.#created, reused: this.#reused, createdBytes: this.#createdBytes };
  }

  /** Destroys every pooled buffer. Only call when no queued work uses them. */
  trim(): void {
    for (const stack of this.#free.values()) for (const b of stack) b.destroy();
    this.#free.clear();
    this.#pooledBytes = 0;
  }
}
