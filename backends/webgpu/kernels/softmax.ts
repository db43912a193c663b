/**
 * PENDING: softmax, softmaxBackward on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function softmaxKernels(_bk: WebGpuBackend): Pick<KernelTable, "softmax" | "softmaxBackward"> {
  return {
    softmax: () => {
      throw new Error("remat webgpu: softmax is not written yet");
    },
    softmaxBackward: () => {
      throw new Error("remat webgpu: softmaxBackward is not written yet");
    },
  };
}
