/**
 * The WebGPU flag values this backend uses, as plain numbers from the specification: the
 * `GPUBufferUsage` and `GPUMapMode` globals exist only where WebGPU does, and this package
 * must load (and say "unavailable") in runtimes without it, such as Bun.
 * @module
 */

/** `GPUBufferUsage` bits. */
export const USAGE = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** `GPUMapMode.READ`. */
export const MAP_READ_MODE = 0x0001;
