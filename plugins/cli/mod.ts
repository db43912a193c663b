/**
 * @remat/cli — the `remat` command line (`plan`, `train`, `profile`, `bench`, `pareto`) and the option
 * parsing it shares with the example programs.
 *
 * @example
 * ```ts
 * import { runCli } from "@remat/cli";
 * const status = await runCli(["plan", "--preset", "reference-mlp", "--strategy", "sqrt"]);
 * ```
 * @module
 */
export * from "./cli.ts";
export * from "./args.ts";
export * from "./backend_flag.ts";
export * from "./chain_flags.ts";
export type { Command } from "./command.ts";
export * from "./format.ts";
export * from "./model_limits.ts";
export * from "./model_module.ts";
export * from "./model_options.ts";
export * from "./output_file.ts";
export * from "./paired_timer.ts";
export * from "./strategy_suite.ts";
export * from "./profile_file.ts";
export * from "./progress.ts";
export * from "./strategy_flags.ts";
export * from "./strategy_options.ts";
export * from "./table.ts";

/** Types of @remat/core that appear in this package's signatures, re-exported so its docs are complete. */
export type {
  Activation,
  AdamWHyper,
  AttentionAttrs,
  Backend,
  BackendOptions,
  BackwardOptions,
  BatchNormAttrs,
  BatchNormOptions,
  Chain,
  Conv2dAttrs,
  ConvGeometry,
  Cost,
  Dataset,
  DType,
  ForwardResult,
  GradientKinds,
  HostArray,
  HostBatch,
  Init,
  InputSpec,
  Instruction,
  Kernel,
  KernelName,
  KernelSignatures,
  KernelTable,
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
