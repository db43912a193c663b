/**
 * @remat/examples — datasets and helpers used by the example programs.
 *
 * @example
 * ```ts
 * import { spirals } from "@remat/examples";
 * const { x, y } = spirals({ classes: 3 }).batch(0, 4);
 * console.log(x.length, y.length); // 8 4
 * ```
 * @module
 */
export * from "./data/spirals.ts";
export * from "./data/teacher.ts";
export * from "./data/text.ts";
export * from "./format.ts";
export * from "./progress.ts";
