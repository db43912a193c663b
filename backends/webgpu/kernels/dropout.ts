/**
 * PENDING: dropout, dropoutBackward on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function dropoutKernels(_bk: WebGpuBackend): Pick<KernelTable, "dropout" | "dropoutBackward"> {
  return {
    dropout: () => {
      throw new Error("remat webgpu: dropout is not written yet");
    },
    dropoutBackward: () => {
      throw new Error("remat webgpu: dropoutBackward is not written yet");
    },
  };
}
