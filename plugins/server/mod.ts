/**
 * @remat/server — a Hono training service: plan and train remat models over HTTP, with
 * progress as Server-Sent Events, durable job records and weights in the safetensors format.
 *
 * @example
 * ```ts
 * import { trainingService } from "@remat/server";
 * const service = await trainingService({ dataDir: "./remat-data" });
 * const res = await service.app.request("/healthz");
 * console.log(await res.json()); // { ok: true, queued: 0, running: 0, ... }
 * await service.close();
 * ```
 * @module
 */
export * from "./app.ts";
export * from "./job_types.ts";
export * from "./job_runner.ts";
export * from "./job_store.ts";
export * from "./job_events.ts";
export * from "./limits.ts";
export * from "./safetensors.ts";
export { JobRequestSchema, PlanRequestSchema } from "./request_schema.ts";
export * from "./client.ts";
export * from "./listen.ts";
export * from "./node_fetch.ts";
export * from "./json_log.ts";
export * from "./access_log.ts";
export * from "./job_log.ts";
export * from "./metrics.ts";
export * from "./service_metrics.ts";
export * from "./http_route.ts";
export type { JobData } from "./job_data.ts";
export * from "./cluster/sql.ts";
export * from "./cluster/schema.ts";
export * from "./cluster/job_table.ts";
export * from "./cluster/shared_files.ts";
export * from "./cluster/lease_worker.ts";
export * from "./cluster/cluster_runner.ts";

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
  ParamSpec,
  Pool2dAttrs,
  PoolGeometry,
  Recorder,
  RecorderKey,
  Replay,
  SgdHyper,
  Shape,
  Stage,
  StageGradients,
  Storage,
  Tape,
  TapeNode,
  TapePolicy,
  Tensor,
  UserKernel,
  UserKernelArgs,
  UserKernelCall,
} from "@remat/core";
