/**
 * @remat/core/testing — conformance suites every implementation runs unchanged.
 *
 * @example
 * ```ts
 * // backends/cpu/conformance_test.ts
 * import { runKernelConformance } from "@remat/core/testing";
 * import { CpuBackend } from "@remat/cpu";
 * runKernelConformance("cpu", () => new CpuBackend());
 * ```
 * @module
 */
export { runKernelConformance } from "./conformance.ts";
export type { MakeBackend } from "./_harness.ts";
export { runStepConformance, runTrainDeterminism, smallChain } from "./step_conformance.ts";
export { runErrorConformance } from "./errors_conformance.ts";
export { bitEqual, type HostStep, hostStep, type HostStepInputs, randomBatch } from "./step_helpers.ts";
export { runPlanConformance } from "./plan_conformance.ts";
export { KERNEL_AGREEMENT_TOL, runBackendAgreement, STEP_AGREEMENT_TOL } from "./agreement.ts";
export { arbitraryChain, arbitraryLayer, weightedSquaredError, withF32Loss } from "./random_chains.ts";
export { arbitraryPlan, randomValidPlan } from "./random_plans.ts";
