/**
 * PENDING: layernorm, layernormBackward on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function layernormKernels(_bk: WebGpuBackend): Pick<KernelTable, "layernorm" | "layernormBackward"> {
  return {
    layernorm: () => {
      throw new Error("remat webgpu: layernorm is not written yet");
    },
    layernormBackward: () => {
      throw new Error("remat webgpu: layernormBackward is not written yet");
    },
  };
}
