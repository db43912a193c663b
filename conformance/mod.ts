/**
 * @remat/conformance — the conformance suites every implementation runs unchanged: kernels
 * against float64 references and finite differences, whole steps, plans, typed errors,
 * agreement between two backends, and every strategy's exactness against store-all.
 *
 * @example
 * ```ts
 * // backends/cpu/conformance_test.ts
 * import { runKernelConformance, runStrategyExactness } from "@remat/conformance";
 * import { CpuBackend } from "@remat/cpu";
 * runKernelConformance("cpu", () => new CpuBackend());
 * runStrategyExactness("cpu", () => new CpuBackend());
 * ```
 * @module
 */
export { runKernelConformance } from "./conformance.ts";
export { conv2dRef } from "./conformance_conv.ts";
export type { MakeBackend } from "./_harness.ts";
export { runStepConformance, runTrainDeterminism, smallChain } from "./step_conformance.ts";
export { runErrorConformance } from "./errors_conformance.ts";
export {
  assertStepBits,
  bitEqual,
  type HostStep,
  hostStep,
  type HostStepInputs,
  randomBatch,
  storeAllStep,
} from "./step_helpers.ts";
export { runPlanConformance } from "./plan_conformance.ts";
export { KERNEL_AGREEMENT_TOL, runBackendAgreement, STEP_AGREEMENT_TOL } from "./agreement.ts";
export { arbitraryChain, arbitraryLayer, weightedSquaredError, withF32Loss } from "./random_chains.ts";
export { isruOp, withUserOp } from "./user_op.ts";
export { homogeneousProfile, syntheticStage } from "./synthetic_profiles.ts";
export { arbitraryConvChain } from "./random_convnets.ts";
export { arbitraryPlan, randomValidPlan } from "./random_plans.ts";
export { type OpCase, runOpConformance } from "./op_conformance.ts";
export * from "./exactness.ts";

/** Types of @remat/core that appear in this package's signatures, re-exported so its docs are complete. */
export type {
  Activation,
  AdamWHyper,
  AttentionAttrs,
  Backend,
  BackwardOptions,
  BatchNormAttrs,
  BatchNormOptions,
  Chain,
  Conv2dAttrs,
  ConvGeometry,
  Cost,
  DType,
  ForwardResult,
  GradientKinds,
  HostArray,
  Init,
  InputSpec,
  Instruction,
  Kernel,
  KernelName,
  KernelSignatures,
  KernelTable,
  LayerSpec,
  LossStage,
  MatmulOptions,
  MemoryAccountant,
  MemoryKind,
  MemoryReport,
  Op,
  OpCost,
  Params,
  ParamSpec,
  Plan,
  PlanSummary,
  PlanTarget,
  Pool2dAttrs,
  PoolGeometry,
  Profile,
  Recorder,
  RecorderKey,
  Replay,
  SgdHyper,
  Shape,
  Stage,
  StageGradients,
  StageMode,
  StageProfile,
  StepInputs,
  StepKey,
  Storage,
  Tape,
  TapeNode,
  TapePolicy,
  Tensor,
  UserKernel,
  UserKernelArgs,
  UserKernelCall,
} from "@remat/core";

/** Types of @remat/strategies that appear in this package's signatures, re-exported so its docs are complete. */
export type { StrategyPlan } from "@remat/strategies";
