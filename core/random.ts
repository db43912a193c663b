/**
 * Counter-based randomness: every random number is a pure function of a key and an index,
 * so a recomputed forward draws exactly the numbers of the first one, on every backend.
 * Integer-only (32-bit multiply, xor, shift) so WGSL reproduces it bit for bit.
 * @module
 */

/**
 * A 32-bit integer mixer (xorshift-multiply finaliser); bijective on u32.
 *
 * @example
 * ```ts
 * import { mix32 } from "@remat/core";
 * mix32(1) === mix32(1); // true: a pure function of its input
 * ```
 */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x;
}

/** Where a dropout mask is drawn: the training seed, the step, the stage and the call site. */
export interface RandomKey {
  /** The training seed. */
  readonly seed: number;
  /** The training step. */
  readonly step: number;
  /** The stage index. */
  readonly stage: number;
  /** The call site within the stage (0 for the first draw). */
  readonly site: number;
}

/**
 * Folds a key into one u32.
 *
 * @example
 * ```ts
 * import { keyHash } from "@remat/core";
 * const k = keyHash({ seed: 0, step: 3, stage: 1, site: 0 });
 * ```
 */
export function keyHash(key: RandomKey): number {
  let h = mix32((key.seed ^ 0x9e3779b9) >>> 0);
  h = mix32((h ^ key.step) >>> 0);
  h = mix32((h ^ key.stage) >>> 0);
  h = mix32((h ^ key.site) >>> 0);
  return h;
}

/**
 * The u32 drawn for element `index` under key hash `k`.
 *
 * @example
 * ```ts
 * import { bitsAt, keyHash } from "@remat/core";
 * const bits = bitsAt(keyHash({ seed: 0, step: 0, stage: 0, site: 0 }), 17); // 0 ≤ bits < 2^32
 * ```
 */
export function bitsAt(k: number, index: number): number {
  return mix32((k ^ mix32(index >>> 0)) >>> 0);
}

/**
 * The u32 threshold below which an element is dropped with probability `p`.
 *
 * @example
 * ```ts
 * import { dropThreshold } from "@remat/core";
 * dropThreshold(0.5); // 2147483648
 * ```
 */
export function dropThreshold(p: number): number {
  return Math.min(0xffffffff, Math.floor(p * 4294967296));
}

/**
 * True when element `index` survives dropout with probability `p` under key hash `k`.
 *
 * @example
 * ```ts
 * import { dropThreshold, keeps, keyHash } from "@remat/core";
 * const k = keyHash({ seed: 0, step: 0, stage: 0, site: 0 });
 * const mask = Array.from({ length: 8 }, (_, i) => keeps(k, i, dropThreshold(0.25)));
 * ```
 */
export function keeps(k: number, index: number, threshold: number): boolean {
  return bitsAt(k, index) >= threshold;
}

/**
 * A deterministic standard normal for (seed, stream, index), drawn in float64 on the host.
 *
 * @example
 * ```ts
 * import { normalAt } from "@remat/core";
 * normalAt(0, 0, 5) === normalAt(0, 0, 5); // true
 * ```
 */
export function normalAt(seed: number, stream: number, index: number): number {
  const k = mix32((mix32(seed >>> 0) ^ mix32((stream + 0x51ed27) >>> 0)) >>> 0);
  const u1 = (bitsAt(k, 2 * index) + 1) / 4294967297;
  const u2 = bitsAt(k, 2 * index + 1) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
