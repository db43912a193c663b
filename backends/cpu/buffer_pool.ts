/**
 * Reuse of released tensor arrays. A training step allocates and frees the same shapes step
 * after step; allocating a fresh zero-filled TypedArray each time costs the allocation and,
 * later, the garbage collector's work (about a sixth of a step on the reference MLP). The pool
 * keeps released arrays by element type and length, up to a byte cap, and hands them back
 * zero-filled, so a kernel sees exactly what a fresh array would hold and results are the same
 * bits with or without it.
 *
 * The pooled (free) arrays are not live tensors: the memory accountant counts a tensor's bytes
 * from its allocation to its release, pooled or not, and the pool's own bytes — at most
 * `capBytes` — sit outside the activation budget, like garbage not yet collected would.
 * @module
 */

/** Arrays the CPU backend allocates. */
export type PooledArray = Float32Array | Int32Array;

/** Arrays shorter than this are not pooled: fresh ones are cheaper than the bookkeeping. */
export const MIN_POOLED_ELEMENTS = 1024;

/**
 * Free arrays by type and length, at most `capBytes` of them.
 *
 * @example
 * ```ts
 * const pool = new BufferPool(1 << 20);
 * const a = pool.take("f32", 4096);
 * pool.give(a);
 * console.log(pool.take("f32", 4096) === a); // true, and zero-filled
 * ```
 */
export class BufferPool {
  readonly #free = new Map<string, PooledArray[]>();
  #bytes = 0;

  /** A pool holding at most `capBytes` of released arrays (0 turns reuse off). */
  constructor(readonly capBytes: number) {}

  /** Bytes of released arrays held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * A zero-filled array of `n` elements: a released one when the pool has one, else new.
   * `zero: false` skips the fill of a reused array, for a caller that writes every element
   * before anything reads one.
   */
  take(dtype: "f32" | "i32", n: number, zero = true): PooledArray {
    if (n >= MIN_POOLED_ELEMENTS) {
      const list = this.#free.get(key(dtype, n));
      const reused = list?.pop();
      if (reused) {
        this.#bytes -= reused.byteLength;
        return zero ? reused.fill(0) : reused;
      }
    }
    return dtype === "f32" ? new Float32Array(n) : new Int32Array(n);
  }

  /** Takes back a released array, unless it is small or the pool is full. */
  give(array: PooledArray): void {
    const n = array.length;
    if (n < MIN_POOLED_ELEMENTS || this.#bytes + array.byteLength > this.capBytes) return;
    const k = key(array instanceof Float32Array ? "f32" : "i32", n);
    const list = this.#free.get(k);
    if (list) list.push(array);
    else this.#free.set(k, [array]);
    this.#bytes += array.byteLength;
  }

  /** Drops every held array. */
  clear(): void {
    this.#free.clear();
    this.#bytes = 0;
  }
}

function key(dtype: "f32" | "i32", n: number): string {
  return `${dtype}${n}`;
}
