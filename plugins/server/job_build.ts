/**
 * Turns a decoded request into the objects a job runs: the chain, the dataset, the plan and
 * the optimizer, plus the plan summary `POST /v1/plans` returns.
 * @module
 */
import {
  adamw,
  type Chain,
  type Dataset,
  gpt,
  InvalidArgument,
  mlp,
  type OptimizerSpec,
  sgd,
  staticProfile,
} from "@remat/core";
import { spirals, teacher, textWindows } from "@remat/datasets";
import {
  budget,
  type BudgetOptions,
  optimal,
  revolve,
  sqrt,
  storeAll,
  type StrategyPlan,
  uniform,
} from "@remat/strategies";
import type { JobRequest, OptimizerChoice, PlanRequest } from "./job_types.ts";
import { trainingBytes } from "./limits.ts";

/** What `POST /v1/plans` returns for a plan: its summary's numbers, without the listing. */
export interface PlanSummaryJson {
  readonly strategy: string;
  readonly stages: number;
  /** Predicted peak activation bytes (what the scheduler will measure). */
  readonly predictedPeakBytes: number;
  /** Predicted step time under the static cost model, milliseconds. */
  readonly predictedTimeMs: number;
  /** The same step without recomputation, milliseconds. */
  readonly baselineTimeMs: number;
  /** predictedTimeMs / baselineTimeMs − 1. */
  readonly overhead: number;
  readonly forwardsPerStage: ReadonlyArray<number>;
  /** Forwards without a tape, the initial sweep included. */
  readonly untapedForwards: number;
  /** Number of instructions of the plan. */
  readonly instructions: number;
}

/**
 * The chain a request's model spec describes; a gpt's vocabulary is the shipped text's (`@remat/datasets`).
 * @param req a decoded plan or job request
 * @throws InvalidArgument when the spec is invalid (e.g. a gpt seqLen longer than the text)
 * @example
 * ```ts
 * buildChain({ model: { kind: "mlp", depth: 4, width: 8, hidden: 16, classes: 3, inputs: 2 }, strategy: { name: "storeAll" }, batch: 4 })
 *   .stages.length; // 6
 * ```
 */
export function buildChain(req: PlanRequest | JobRequest): Chain {
  const m = req.model;
  if (m.kind === "mlp") {
    return mlp({ depth: m.depth, width: m.width, hidden: m.hidden, classes: m.classes, inputs: m.inputs });
  }
  const vocab = textWindows(m.seqLen).vocab.size;
  return gpt({ layers: m.layers, dModel: m.dModel, heads: m.heads, seqLen: m.seqLen, vocab });
}

/**
 * The dataset of a job, seeded by its seed and shaped for `chain`.
 * @param req a decoded job request
 * @param chain the chain built from `req`
 * @throws InvalidArgument when the data does not fit the model (see `checkRequest`)
 * @example
 * ```ts
 * const data = buildDataset(req, buildChain(req));
 * data.batch(0, req.batch);
 * ```
 */
export function buildDataset(req: JobRequest, chain: Chain): Dataset {
  const m = req.model, d = req.data, seed = req.seed;
  const wrong = (expected: string): never => {
    throw new InvalidArgument({ name: "data.kind", value: d.kind, expected });
  };
  if (d.kind === "text") {
    if (m.kind !== "gpt") return wrong(`"spirals" or "teacher" for an mlp model`);
    return textWindows(chain.input.shape[0]!, { seed });
  }
  if (m.kind !== "mlp") return wrong(`"text" for a gpt model`);
  const inputs = chain.input.shape[0]!;
  if (d.kind === "teacher") return teacher({ inputs, classes: m.classes, seed });
  if (inputs !== 2) {
    throw new InvalidArgument({
      name: "model.inputs",
      value: inputs,
      expected: "2 for spirals data (its points are 2-D)",
    });
  }
  return spirals({ classes: m.classes, noise: d.noise, seed });
}

/**
 * The plan a request's strategy makes for `chain` at the request's batch, from the static
 * (exact-bytes) profile.
 * @param req a decoded plan or job request
 * @param chain the chain built from `req`
 * @throws BudgetInfeasible when a budget or optimal byte budget is below the smallest feasible one
 * @throws InvalidArgument when a strategy option is out of range
 * @example
 * ```ts
 * const req = { model, strategy: { name: "optimal", bytes: 1 << 20 }, batch: 32 } as const;
 * buildPlan(req, buildChain(req)).summary().predictedPeakBytes; // ≤ 1 MiB
 * ```
 */
export function buildPlan(req: PlanRequest | JobRequest, chain: Chain): StrategyPlan {
  const profile = staticProfile(chain, req.batch);
  const s = req.strategy;
  switch (s.name) {
    case "storeAll":
      return storeAll(profile);
    case "sqrt":
      return sqrt(profile);
    case "uniform":
      return uniform(profile, { every: s.every });
    case "revolve":
      return revolve(profile, { slots: s.slots });
    case "budget":
      // budget() itself rejects both or neither of bytes and fraction.
      return budget(profile, { bytes: s.bytes, fraction: s.fraction } as BudgetOptions);
    case "optimal":
      return optimal(profile, { bytes: s.bytes });
  }
}

/**
 * The core optimizer spec of a request's optimizer choice.
 * @param choice the request's optimizer
 * @throws InvalidArgument when a hyperparameter is out of range
 * @example
 * ```ts
 * buildOptimizer({ kind: "sgd", lr: 0.05, momentum: 0.9 }); // { kind: "sgd", lr: 0.05, momentum: 0.9, weightDecay: 0 }
 * ```
 */
export function buildOptimizer(choice: OptimizerChoice): OptimizerSpec {
  return choice.kind === "sgd"
    ? sgd({ lr: choice.lr, momentum: choice.momentum })
    : adamw({ lr: choice.lr, weightDecay: choice.weightDecay });
}

/**
 * A plan's summary as JSON numbers (no listing): what `POST /v1/plans` returns.
 * @param plan a strategy's plan
 * @example
 * ```ts
 * planSummaryJson(buildPlan(req, chain)).overhead; // 0 for storeAll
 * ```
 */
export function planSummaryJson(plan: StrategyPlan): PlanSummaryJson {
  const s = plan.summary();
  return {
    strategy: s.strategy,
    stages: s.stages,
    predictedPeakBytes: s.predictedPeakBytes,
    predictedTimeMs: s.predictedTime,
    baselineTimeMs: s.baselineTime,
    overhead: s.overhead,
    forwardsPerStage: [...s.forwardsPerStage],
    untapedForwards: s.untapedForwards,
    instructions: plan.instructions.length,
  };
}

/**
 * Bytes the request's model needs with `plan`: parameters, their gradients, optimizer state
 * and the plan's predicted peak activations (`checkLimits` compares it with `maxModelBytes`).
 * @param req a decoded plan or job request
 * @param chain the chain built from `req`
 * @param plan the plan built for `chain`
 * @example
 * ```ts
 * const chain = buildChain(req);
 * modelBytes(req, chain, buildPlan(req, chain)) <= DEFAULT_LIMITS.maxModelBytes;
 * ```
 */
export function modelBytes(req: PlanRequest | JobRequest, chain: Chain, plan: StrategyPlan): number {
  return trainingBytes(req, chain, plan.summary().predictedPeakBytes);
}
