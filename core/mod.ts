/**
 * @remat/core — tensors, ops, the Backend interface, chains of stages, plans and the
 * scheduler that executes them under a memory budget.
 *
 * @example
 * ```ts
 * import { mlp } from "@remat/core";
 * const chain = mlp({ depth: 4, width: 32, hidden: 64, classes: 10, inputs: 2 });
 * console.log(chain.stages.length);
 * ```
 * @module
 */
export * from "./errors.ts";
export * from "./memory.ts";
export * from "./tensor.ts";
export * from "./random.ts";
export * from "./kernels.ts";
export * from "./backend.ts";
