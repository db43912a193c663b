/**
 * Shape arithmetic shared by the CPU kernels.
 * @module
 */

/** The last dimension of a shape (1 for a scalar shape `[]`). */
export function lastDim(shape: ReadonlyArray<number>): number {
  return shape.length === 0 ? 1 : shape[shape.length - 1];
}
