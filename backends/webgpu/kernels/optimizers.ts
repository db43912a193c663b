/**
 * PENDING: sgdStep, adamwStep on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function optimizerKernels(_bk: WebGpuBackend): Pick<KernelTable, "sgdStep" | "adamwStep"> {
  return {
    sgdStep: () => {
      throw new Error("remat webgpu: sgdStep is not written yet");
    },
    adamwStep: () => {
      throw new Error("remat webgpu: adamwStep is not written yet");
    },
  };
}
