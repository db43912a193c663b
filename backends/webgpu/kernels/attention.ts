/**
 * PENDING: attention, attentionBackward on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function attentionKernels(_bk: WebGpuBackend): Pick<KernelTable, "attention" | "attentionBackward"> {
  return {
    attention: () => {
      throw new Error("remat webgpu: attention is not written yet");
    },
    attentionBackward: () => {
      throw new Error("remat webgpu: attentionBackward is not written yet");
    },
  };
}
