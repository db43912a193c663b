/**
 * Tensors: a shape, a dtype and a view of reference-counted, backend-owned storage.
 * Several tensors (a reshape and its source) may share one storage; the storage's bytes
 * are counted once, while any holder retains it.
 * @module
 */
import type { MemoryAccountant, MemoryKind } from "./memory.ts";

/** Element types: f32 for values, i32 for labels and token ids. */
export type DType = "f32" | "i32";

/** A tensor shape, outermost dimension first. */
export type Shape = ReadonlyArray<number>;

/** Host arrays for each dtype. */
export type HostArray<D extends DType = DType> = D extends "f32" ? Float32Array : Int32Array;

/**
 * Backend-owned memory with a reference count and an accounting kind.
 *
 * @example
 * ```ts
 * import { MemoryAccountant, Storage } from "@remat/core";
 * const mem = new MemoryAccountant();
 * const storage = new Storage(new Float32Array(4), 16, "temporary", mem, () => {});
 * storage.release(); // last holder: the 16 bytes are no longer live
 * console.log(mem.report().live.temporary); // 0
 * ```
 */
export class Storage {
  #refs = 1;
  #kind: MemoryKind;
  /** Wraps `handle` and counts `bytes` under `kind` on `accountant`; `onRelease` frees the handle when the last holder goes. */
  constructor(
    /** The backend's handle: a TypedArray on CPU, a GPUBuffer on WebGPU. */
    readonly handle: unknown,
    /** Size in bytes, as accounted. */
    readonly bytes: number,
    kind: MemoryKind,
    readonly accountant: MemoryAccountant,
    readonly onRelease: (handle: unknown) => void,
  ) {
    this.#kind = kind;
    accountant.alloc(bytes, kind);
  }

  /** Current accounting kind. */
  get kind(): MemoryKind {
    return this.#kind;
  }

  /** Number of holders. Zero once released. */
  get refs(): number {
    return this.#refs;
  }

  /** Changes the accounting kind (e.g. a fresh output becomes a kept activation). */
  setKind(kind: MemoryKind): void {
    if (this.#refs === 0) return;
    this.accountant.retag(this.bytes, this.#kind, kind);
    this.#kind = kind;
  }

  /** Adds a holder. */
  retain(): void {
    if (this.#refs === 0) throw new Error("remat internal: retain of released storage");
    this.#refs++;
  }

  /** Drops a holder; the last release frees the bytes and the handle. */
  release(): void {
    if (this.#refs === 0) throw new Error("remat internal: double release of storage");
    if (--this.#refs === 0) {
      this.accountant.free(this.bytes, this.#kind);
      this.onRelease(this.handle);
    }
  }
}

/**
 * An n-dimensional array on a backend.
 *
 * @example
 * ```ts
 * import { MemoryAccountant, Storage, Tensor } from "@remat/core";
 * const storage = new Storage(new Float32Array(6), 24, "temporary", new MemoryAccountant(), () => {});
 * const t = new Tensor([2, 3], "f32", storage);
 * console.log(String(t), t.size); // "Tensor<f32>[2, 3]" 6
 * ```
 */
export class Tensor {
  /** A tensor of `shape` and `dtype` viewing `storage` (it takes over one reference). */
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    readonly storage: Storage,
  ) {}

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Bytes of this view's elements. */
  get bytes(): number {
    return this.size * 4;
  }

  /** Adds a holder of the storage. */
  retain(): this {
    this.storage.retain();
    return this;
  }

  /** Drops a holder; the storage is freed when the last one goes. */
  release(): void {
    this.storage.release();
  }

  /** True while the storage is alive. */
  get alive(): boolean {
    return this.storage.refs > 0;
  }

  /** `Tensor<f32>[2, 3]`: the dtype and shape, for messages. */
  toString(): string {
    return `Tensor<${this.dtype}>[${this.shape.join(", ")}]`;
  }
}

/**
 * Product of the dimensions (1 for a scalar shape `[]`).
 *
 * @example
 * ```ts
 * import { sizeOf } from "@remat/core";
 * sizeOf([2, 3, 4]); // 24
 * ```
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Bytes of a dense tensor of this shape (both dtypes are 4 bytes wide).
 *
 * @example
 * ```ts
 * import { bytesOf } from "@remat/core";
 * bytesOf([2, 3]); // 24
 * ```
 */
export function bytesOf(shape: Shape): number {
  return sizeOf(shape) * 4;
}

/**
 * `[a, b, c]` for messages.
 *
 * @example
 * ```ts
 * import { formatShape } from "@remat/core";
 * formatShape([2, 3]); // "[2, 3]"
 * ```
 */
export function formatShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/**
 * True when the shapes are equal.
 *
 * @example
 * ```ts
 * import { sameShape } from "@remat/core";
 * sameShape([2, 3], [2, 3]); // true
 * ```
 */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The shape `sumAxis` gives: `shape` without `axis`, or [1] when nothing is left.
 * @example
 * ```ts
 * import { reducedShape } from "@remat/core";
 * reducedShape([4, 3, 2], 1); // [4, 2]
 * reducedShape([5], 0); // [1]
 * ```
 */
export function reducedShape(shape: Shape, axis: number): Shape {
  const out = shape.filter((_, i) => i !== axis);
  return out.length ? out : [1];
}
