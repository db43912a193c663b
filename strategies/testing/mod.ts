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

/** Types of @remat/core that appear in this module's signatures, re-exported so its docs are complete. */
export type {
  Activation,
  AdamWHyper,
  Backend,
  DType,
  HostArray,
  Kernel,
  KernelName,
  KernelSignatures,
  KernelTable,
  MatmulOptions,
  MemoryAccountant,
  MemoryKind,
  MemoryReport,
  SgdHyper,
  Shape,
  Storage,
  Tensor,
} from "@remat/core";
