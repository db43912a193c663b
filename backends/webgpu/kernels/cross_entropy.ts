/**
 * PENDING: crossEntropy, crossEntropyBackward on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function crossEntropyKernels(_bk: WebGpuBackend): Pick<KernelTable, "crossEntropy" | "crossEntropyBackward"> {
  return {
    crossEntropy: () => {
      throw new Error("remat webgpu: crossEntropy is not written yet");
    },
    crossEntropyBackward: () => {
      throw new Error("remat webgpu: crossEntropyBackward is not written yet");
    },
  };
}
