/**
 * What a training loop reads: batches of host data.
 * @module
 */

/** One batch on the host. */
export interface HostBatch {
  /** Inputs, [batch, ...chain.input.shape] flattened; Int32Array for token ids. */
  readonly x: Float32Array | Int32Array;
  /**
   * Targets, [batch, ...chain.target.shape] flattened: Int32Array for i32 class ids,
   * Float32Array for f32 targets (as the chain declares; a mismatch is a typed error, never
   * a conversion).
   */
  readonly y: Float32Array | Int32Array;
}

/** A source of batches; the same (step, size) must give the same batch. */
export interface Dataset {
  /** Display name, used in error messages. */
  readonly name: string;
  /** The batch of `size` examples for `step`; deterministic in (step, size). */
  batch(step: number, size: number): HostBatch;
}
