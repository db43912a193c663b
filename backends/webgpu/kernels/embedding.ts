/**
 * PENDING: embedding, embeddingBackward on WebGPU (being written).
 * @module
 */
import type { KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";

/** PENDING. */
export function embeddingKernels(_bk: WebGpuBackend): Pick<KernelTable, "embedding" | "embeddingBackward"> {
  return {
    embedding: () => {
      throw new Error("remat webgpu: embedding is not written yet");
    },
    embeddingBackward: () => {
      throw new Error("remat webgpu: embeddingBackward is not written yet");
    },
  };
}
