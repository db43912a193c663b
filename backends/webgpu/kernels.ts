/**
 * The WebGPU kernel table, assembled from one file per idea under `kernels/`. Typed
 * `KernelTable`, so a missing kernel fails to compile.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { elementwiseKernels } from "./kernels/elementwise.ts";
import { attentionKernels } from "./kernels/attention.ts";
import { axisKernels } from "./kernels/axis.ts";
import { batchNormKernels } from "./kernels/batch_norm.ts";
import { convKernels } from "./kernels/conv.ts";
import { poolKernels } from "./kernels/pool.ts";
import { mathKernels } from "./kernels/math.ts";
import { crossEntropyKernels } from "./kernels/cross_entropy.ts";
import { dropoutKernels } from "./kernels/dropout.ts";
import { embeddingKernels } from "./kernels/embedding.ts";
import { layernormKernels } from "./kernels/layernorm.ts";
import { linearKernels } from "./kernels/linear.ts";
import { matmulKernels } from "./kernels/matmul.ts";
import { optimizerKernels } from "./kernels/optimizers.ts";
import { rowKernels } from "./kernels/rows.ts";
import { softmaxKernels } from "./kernels/softmax.ts";
import { transposeKernels } from "./kernels/transpose.ts";
import type { WebGpuBackend } from "./webgpu_backend.ts";

/**
 * Every kernel of the WebGPU backend, allocating outputs from `backend`'s pool.
 * @param backend the backend whose runner queues the dispatches
 */
export function makeWebGpuKernels(backend: WebGpuBackend): KernelTable {
  return {
    ...elementwiseKernels(backend),
    ...mathKernels(backend),
    ...axisKernels(backend),
    ...convKernels(backend),
    ...poolKernels(backend),
    ...batchNormKernels(backend),
    ...matmulKernels(backend),
    ...linearKernels(backend),
    ...transposeKernels(backend),
    ...rowKernels(backend),
    ...softmaxKernels(backend),
    ...layernormKernels(backend),
    ...crossEntropyKernels(backend),
    ...embeddingKernels(backend),
    ...dropoutKernels(backend),
    ...attentionKernels(backend),
    ...optimizerKernels(backend),
  };
}
