/**
 * PENDING: transpose on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function transposeKernels(_bk: WebGpuBackend): Pick<KernelTable, "transpose"> {
  return {
    transpose: () => {
      throw new Error("remat webgpu: transpose is not written yet");
    },
  };
}
