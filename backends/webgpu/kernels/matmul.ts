/**
 * PENDING: matmul on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function matmulKernels(_bk: WebGpuBackend): Pick<KernelTable, "matmul"> {
  return {
    matmul: () => {
      throw new Error("remat webgpu: matmul is not written yet");
    },
  };
}
