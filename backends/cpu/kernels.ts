/**
 * The CPU kernel table, assembled from one file per idea. Typed `KernelTable`, so a
 * missing kernel fails to compile.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { attentionKernels } from "./attention.ts";
import { axisKernels } from "./axis.ts";
import { batchNormKernels } from "./batch_norm.ts";
import { convKernels } from "./conv.ts";
import { poolKernels } from "./pool.ts";
import type { CpuBackend } from "./cpu_backend.ts";
import { crossEntropyKernels } from "./cross_entropy.ts";
import { dropoutKernels } from "./dropout.ts";
import { elementwiseKernels } from "./elementwise.ts";
import { embeddingKernels } from "./embedding.ts";
import { layernormKernels } from "./layernorm.ts";
import { linearKernels } from "./linear.ts";
import { mathKernels } from "./math.ts";
import { matmulKernels } from "./matmul.ts";
import { optimizerKernels } from "./optimizers.ts";
import { rowKernels } from "./rows.ts";
import { softmaxKernels } from "./softmax.ts";

/**
 * Every kernel of the CPU backend, allocating outputs on `backend`.
 * @param backend the backend whose accountant owns every output
 * @example
 * ```ts
 * import { CpuBackend } from "@remat/cpu";
 * const cpu = new CpuBackend(); // its constructor calls makeCpuKernels(this)
 * ```
 */
export function makeCpuKernels(backend: CpuBackend): KernelTable {
  return {
    ...matmulKernels(backend),
    ...linearKernels(backend),
    ...elementwiseKernels(backend),
    ...mathKernels(backend),
    ...axisKernels(backend),
    ...convKernels(backend),
    ...poolKernels(backend),
    ...batchNormKernels(backend),
    ...rowKernels(backend),
    ...softmaxKernels(backend),
    ...layernormKernels(backend),
    ...embeddingKernels(backend),
    ...dropoutKernels(backend),
    ...attentionKernels(backend),
    ...crossEntropyKernels(backend),
    ...optimizerKernels(backend),
  };
}
