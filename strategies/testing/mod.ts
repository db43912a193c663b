/**
 * @remat/strategies/testing — the exactness suite every backend runs over every strategy.
 *
 * @example
 * ```ts
 * import { runStrategyExactness } from "@remat/strategies/testing";
 * import { CpuBackend } from "@remat/cpu";
 * runStrategyExactness("cpu", () => new CpuBackend());
 * ```
 * @module
 */
export * from "./exactness.ts";
