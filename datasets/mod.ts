/**
 * @remat/datasets — the datasets remat's examples, benchmarks and training service use:
 * interleaved spirals, a fixed random teacher network, and character windows of a short text
 * written for the project (shipped in the package).
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
export { CORPUS } from "./corpus.ts";

/** Types of @remat/core that appear in this package's signatures, re-exported so its docs are complete. */
export type { Dataset, HostBatch } from "@remat/core";
