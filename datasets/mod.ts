/**
 * @remat/datasets — the datasets remat's examples, benchmarks and training service use:
 * interleaved spirals, a fixed random teacher network (class ids or f32 regression targets),
 * character windows of a short text written for the project (shipped in the package), IDX
 * files (the MNIST family, raw or gzipped) with Fashion-MNIST found where Debian installs it,
 * and a generated image set shipped as the fallback.
 *
 * @example
 * ```ts
 * import { spirals } from "@remat/datasets";
 * const { x, y } = spirals({ classes: 3 }).batch(0, 4);
 * console.log(x.length, y.length); // 8 4
 * ```
 * @module
 */
export * from "./spirals.ts";
export * from "./teacher.ts";
export * from "./text.ts";
export * from "./idx.ts";
export * from "./idx_dataset.ts";
export * from "./fashion_mnist.ts";
export * from "./generated_images.ts";
export { CORPUS } from "./corpus.ts";

/** Types of @remat/core that appear in this package's signatures, re-exported so its docs are complete. */
export type { Dataset, HostBatch } from "@remat/core";
