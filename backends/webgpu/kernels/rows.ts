/**
 * PENDING: sumRows on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function rowKernels(_bk: WebGpuBackend): Pick<KernelTable, "sumRows"> {
  return {
    sumRows: () => {
      throw new Error("remat webgpu: sumRows is not written yet");
    },
  };
}
