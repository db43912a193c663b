import assert from "node:assert/strict";
import { test } from "node:test";
import { BudgetInfeasible, InvalidArgument, staticProfile } from "@remat/core";
import { CORPUS, textWindows } from "@remat/datasets";
import { storeAll } from "@remat/strategies";
import type { JobRequest, ModelSpec, PlanRequest, StrategySpec } from "./job_types.ts";
import {
  buildChain,
  buildDataset,
  buildOptimizer,
  buildPlan,
  modelBytes,
  planSummaryJson,
} from "./job_build.ts";
import { trainingBytes } from "./limits.ts";

const MLP: ModelSpec = { kind: "mlp", depth: 6, width: 16, hidden: 32, classes: 3, inputs: 2 };
const GPT: ModelSpec = { kind: "gpt", layers: 2, dModel: 16, heads: 4, seqLen: 8 };
const plan = (model: ModelSpec, strategy: StrategySpec = { name: "storeAll" }, batch = 8): PlanRequest => ({
  model,
  strategy,
  batch,
});
const job = (model: ModelSpec, data: JobRequest["data"], seed = 0): JobRequest => ({
  ...plan(model),
  data,
  optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 0 },
  steps: 10,
  seed,
  backend: "cpu",
});
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
};

test("buildChain builds depth + 2 stages for an mlp and layers + 2 for a gpt", () => {
  for (const depth of [1, 6, 40]) assert.equal(buildChain(plan({ ...MLP, depth })).stages.length, depth + 2);
  const mlpChain = buildChain(plan({ ...MLP, inputs: 5, classes: 7 }));
  assert.deepEqual(mlpChain.input.shape, [5]);
  assert.equal(mlpChain.config.classes, 7);
  for (const layers of [1, 3]) assert.equal(buildChain(plan({ ...GPT, layers })).stages.length, layers + 2);
  const gptChain = buildChain(plan(GPT));
  assert.equal(gptChain.config.vocab, textWindows(8).vocab.size);
  assert.deepEqual(gptChain.input.shape, [8]);
});

test("buildChain throws InvalidArgument for a gpt context longer than the shipped text", () => {
  assert.ok(
    thrown(() => buildChain(plan({ ...GPT, seqLen: [...CORPUS].length + 1 }))) instanceof InvalidArgument,
  );
  assert.ok(thrown(() => buildChain(plan({ ...GPT, heads: 3 }))) instanceof InvalidArgument);
});

test("buildDataset makes spirals, teacher and text batches shaped for the chain", () => {
  const cases: Array<[JobRequest, number]> = [
    [job(MLP, { kind: "spirals", noise: 0.05 }), 2],
    [job({ ...MLP, inputs: 5 }, { kind: "teacher" }), 5],
    [job(GPT, { kind: "text" }), 8],
  ];
  for (const [req, perExample] of cases) {
    const chain = buildChain(req);
    const { x, y } = buildDataset(req, chain).batch(0, 4);
    assert.equal(x.length, 4 * perExample);
    assert.equal(y.length, 4 * (req.model.kind === "gpt" ? 8 : 1));
    if (req.model.kind === "mlp") assert.ok(y.every((c) => c >= 0 && c < 3));
  }
  const a = buildDataset(job(MLP, { kind: "spirals", noise: 0.05 }, 1), buildChain(plan(MLP))).batch(0, 4);
  const b = buildDataset(job(MLP, { kind: "spirals", noise: 0.05 }, 2), buildChain(plan(MLP))).batch(0, 4);
  assert.notDeepEqual(a.x, b.x);
});

test("buildDataset throws InvalidArgument when the data does not fit the model", () => {
  const bad: JobRequest[] = [
    job(MLP, { kind: "text" }),
    job(GPT, { kind: "spirals", noise: 0 }),
    job(GPT, { kind: "teacher" }),
    job({ ...MLP, inputs: 3 }, { kind: "spirals", noise: 0 }),
  ];
  for (const req of bad) {
    assert.ok(thrown(() => buildDataset(req, buildChain(req))) instanceof InvalidArgument, req.data.kind);
  }
});

test("buildPlan plans every strategy for the chain", () => {
  const chain = buildChain(plan(MLP));
  const all = storeAll(staticProfile(chain, 8)).summary().predictedPeakBytes;
  const strategies: StrategySpec[] = [
    { name: "storeAll" },
    { name: "sqrt" },
    { name: "uniform", every: 3 },
    { name: "revolve", slots: 2 },
    { name: "budget", fraction: 0.5 },
    { name: "budget", bytes: all },
    { name: "optimal", bytes: Math.ceil(all * 0.6) },
  ];
  for (const s of strategies) {
    const p = buildPlan(plan(MLP, s), chain);
    assert.equal(p.stages, 8, s.name);
    assert.ok(p.strategy.startsWith(s.name), p.strategy);
    assert.ok(p.summary().predictedPeakBytes <= all, s.name);
    if (s.name === "optimal") assert.ok(p.summary().predictedPeakBytes <= s.bytes);
  }
  assert.equal(buildPlan(plan(GPT, { name: "sqrt" }), buildChain(plan(GPT))).stages, 4);
});

test("buildPlan throws BudgetInfeasible with the smallest feasible budget", () => {
  const chain = buildChain(plan(MLP));
  for (const name of ["optimal", "budget"] as const) {
    const e = thrown(() => buildPlan(plan(MLP, { name, bytes: 1 }), chain));
    assert.ok(e instanceof BudgetInfeasible, name);
    assert.equal(e.requestedBytes, 1);
    assert.ok(e.smallestFeasibleBytes > 1);
    const ok = buildPlan(plan(MLP, { name, bytes: e.smallestFeasibleBytes }), chain);
    assert.ok(ok.summary().predictedPeakBytes <= e.smallestFeasibleBytes);
  }
});

test("buildPlan propagates InvalidArgument for options the schema would reject", () => {
  const chain = buildChain(plan(MLP));
  const bad: StrategySpec[] = [{ name: "uniform", every: 0 }, { name: "revolve", slots: 0 }, {
    name: "budget",
  }, {
    name: "budget",
    bytes: 100,
    fraction: 0.5,
  }];
  for (const s of bad) {
    assert.ok(thrown(() => buildPlan(plan(MLP, s), chain)) instanceof InvalidArgument, JSON.stringify(s));
  }
});

test("buildOptimizer maps adamw and sgd to the core specs", () => {
  assert.deepEqual(buildOptimizer({ kind: "sgd", lr: 0.05, momentum: 0.9 }), {
    kind: "sgd",
    lr: 0.05,
    momentum: 0.9,
    weightDecay: 0,
  });
  const a = buildOptimizer({ kind: "adamw", lr: 3e-3, weightDecay: 0.1 });
  assert.deepEqual(a, { kind: "adamw", lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
  assert.ok(thrown(() => buildOptimizer({ kind: "sgd", lr: -1, momentum: 0 })) instanceof InvalidArgument);
});

test("planSummaryJson numbers equal plan.summary()'s and survive JSON", () => {
  const chain = buildChain(plan(MLP));
  for (const s of [{ name: "storeAll" }, { name: "sqrt" }, { name: "revolve", slots: 2 }] as StrategySpec[]) {
    const p = buildPlan(plan(MLP, s), chain);
    const sum = p.summary();
    const json = planSummaryJson(p);
    assert.deepEqual(json, {
      strategy: sum.strategy,
      stages: sum.stages,
      predictedPeakBytes: sum.predictedPeakBytes,
      predictedTimeMs: sum.predictedTime,
      baselineTimeMs: sum.baselineTime,
      overhead: sum.overhead,
      forwardsPerStage: [...sum.forwardsPerStage],
      untapedForwards: sum.untapedForwards,
      instructions: p.instructions.length,
    });
    assert.deepEqual(JSON.parse(JSON.stringify(json)), json);
    assert.ok(!("listing" in json));
  }
});

test("modelBytes adds the plan's predicted peak to parameters, gradients and optimizer state", () => {
  const req = job(MLP, { kind: "spirals", noise: 0 });
  const chain = buildChain(req);
  const p = buildPlan(req, chain);
  assert.equal(modelBytes(req, chain, p), trainingBytes(req, chain, p.summary().predictedPeakBytes));
  assert.ok(modelBytes(req, chain, p) > p.summary().predictedPeakBytes);
});
