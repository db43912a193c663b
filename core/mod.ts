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
export * from "./user_kernel.ts";
export * from "./ops/op.ts";
export * from "./ops/registry.ts";
export type { AttentionAttrs } from "./ops/attention.ts";
export type { DropoutAttrs } from "./ops/dropout.ts";
export type { LinearAttrs } from "./ops/linear.ts";
export type { LayernormAttrs } from "./ops/normalise.ts";
export type { ReshapeAttrs } from "./ops/shape.ts";
export type { ScalarAttrs } from "./ops/math.ts";
export { type SumAttrs, sumAxes } from "./ops/reduce.ts";
export * from "./ops/conv.ts";
export * from "./ops/pool.ts";
export * from "./ops/batch_norm.ts";
export * from "./losses.ts";
export * from "./tape.ts";
export * from "./tape_policy.ts";
export * from "./partial_tape.ts";
export * from "./recorder.ts";
export * from "./chain.ts";
export * from "./params.ts";
export * from "./models/mlp.ts";
export * from "./models/gpt.ts";
export * from "./models/sequential.ts";
export { linearStage } from "./models/parts.ts";
export * from "./plan.ts";
export * from "./execute.ts";
export * from "./step.ts";
export * from "./scheduler.ts";
export * from "./data.ts";
export * from "./optim/optimizer.ts";
export * from "./checkpoint.ts";
export * from "./train.ts";
export * from "./runtime.ts";
export * from "./meta_backend.ts";
export * from "./profile.ts";
export * from "./predict.ts";
export * from "./evaluate.ts";
export * from "./plan_summary.ts";
export * from "./backend_select.ts";
export * from "./models/resnet.ts";
