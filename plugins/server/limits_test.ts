import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgument, mlp, parameterCount } from "@remat/core";
import type { JobRequest, ModelSpec, PlanRequest } from "./job_types.ts";
import {
  checkLimits,
  checkRequestLimits,
  DEFAULT_LIMITS,
  resolveLimits,
  type ServiceLimits,
  trainingBytes,
} from "./limits.ts";
import { buildChain } from "./job_build.ts";

const MLP: ModelSpec = { kind: "mlp", depth: 8, width: 64, hidden: 256, classes: 3, inputs: 2 };
const GPT: ModelSpec = { kind: "gpt", layers: 2, dModel: 64, heads: 4, seqLen: 32 };
const plan = (model: ModelSpec, batch = 16): PlanRequest => ({
  model,
  strategy: { name: "storeAll" },
  batch,
});
const job = (over: Partial<JobRequest> = {}): JobRequest => ({
  ...plan(MLP),
  data: { kind: "spirals", noise: 0.05 },
  optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 0 },
  steps: 100,
  seed: 0,
  backend: "cpu",
  ...over,
});

test("DEFAULT_LIMITS has the documented defaults", () => {
  assert.deepEqual(DEFAULT_LIMITS, {
    maxBodyBytes: 65536,
    maxStages: 256,
    maxWidth: 4096,
    maxBatch: 1024,
    maxSteps: 100_000,
    maxModelBytes: 1024 * 1024 * 1024,
    maxPlanMs: 5_000,
  });
});

test("resolveLimits overrides only the given limits", () => {
  assert.deepEqual(resolveLimits(), DEFAULT_LIMITS);
  assert.deepEqual(resolveLimits({ maxSteps: 10, maxBatch: undefined }), { ...DEFAULT_LIMITS, maxSteps: 10 });
});

test("resolveLimits rejects nonsense with InvalidArgument", () => {
  for (const value of [0, -1, 1.5, NaN, Infinity, "10" as unknown as number]) {
    assert.throws(
      () => resolveLimits({ maxWidth: value }),
      (e) => e instanceof InvalidArgument && e.name === "maxWidth",
      String(value),
    );
  }
  assert.throws(
    () => resolveLimits({ maxWidht: 5 } as Partial<ServiceLimits>),
    (e) => e instanceof InvalidArgument && /expected one of maxBodyBytes, maxStages/.test(e.message),
  );
});

test("checkLimits accepts the default requests", () => {
  for (const req of [plan(MLP, 128), plan(GPT), job()]) {
    assert.equal(checkLimits(req, buildChain(req), 1 << 20), undefined);
  }
});

test("checkLimits names each limit with the value and the cap", () => {
  const small = resolveLimits({
    maxStages: 9,
    maxWidth: 100,
    maxBatch: 10,
    maxSteps: 50,
    maxModelBytes: 1000,
  });
  const cases: Array<[PlanRequest | JobRequest, keyof ServiceLimits, number, number, string]> = [
    [
      plan({ ...MLP, depth: 8 }),
      "maxStages",
      10,
      9,
      "model.depth: 10 stages exceeds the limit maxStages = 9",
    ],
    [
      plan({ ...GPT, layers: 8 }),
      "maxStages",
      10,
      9,
      "model.layers: 10 stages exceeds the limit maxStages = 9",
    ],
    [
      plan({ ...MLP, depth: 1, width: 101, hidden: 4 }),
      "maxWidth",
      101,
      100,
      "model.width: 101 exceeds the limit maxWidth = 100",
    ],
    [
      plan({ ...MLP, depth: 1, width: 4, hidden: 400 }),
      "maxWidth",
      400,
      100,
      "model.hidden: 400 exceeds the limit maxWidth = 100",
    ],
    [
      plan({ ...MLP, depth: 1, width: 4, hidden: 4, classes: 200 }),
      "maxWidth",
      200,
      100,
      "model.classes: 200 exceeds the limit maxWidth = 100",
    ],
    [
      plan({ ...GPT, dModel: 128 }),
      "maxWidth",
      128,
      100,
      "model.dModel: 128 exceeds the limit maxWidth = 100",
    ],
    [
      plan({ ...MLP, depth: 1, width: 4, hidden: 4 }, 11),
      "maxBatch",
      11,
      10,
      "batch: 11 exceeds the limit maxBatch = 10",
    ],
    [
      job({ model: { ...MLP, depth: 1, width: 4, hidden: 4 }, batch: 2, steps: 51 }),
      "maxSteps",
      51,
      50,
      "steps: 51 exceeds the limit maxSteps = 50",
    ],
  ];
  for (const [req, limit, value, max, message] of cases) {
    assert.deepEqual(checkLimits(req, buildChain(req), 0, small), { limit, value, max, message });
  }
  const req = plan({ ...MLP, depth: 1, width: 4, hidden: 4, classes: 2 }, 2);
  const chain = buildChain(req);
  const params = trainingBytes(req, chain, 0);
  assert.equal(checkLimits(req, chain, 1000 - params, small), undefined);
  const e = checkLimits(req, chain, 1001 - params, small);
  assert.equal(e?.limit, "maxModelBytes");
  assert.equal(e?.value, 1001);
  assert.match(
    e!.message,
    /^model: 1001 bytes of parameters, gradients, optimizer state and activations exceeds the limit maxModelBytes = 1000$/,
  );
});

test("checkLimits refuses the default maxModelBytes for a wide deep mlp", () => {
  const req = plan({ ...MLP, depth: 100, width: 1024, hidden: 4096 }, 8);
  assert.equal(checkLimits(req, buildChain(req), 0)?.limit, "maxModelBytes");
});

test("checkRequestLimits refuses a huge depth before any chain is built", () => {
  const t0 = performance.now();
  const e = checkRequestLimits(plan({ ...MLP, depth: 1e9 }));
  assert.equal(e?.limit, "maxStages");
  assert.equal(e?.value, 1e9 + 2);
  assert.ok(performance.now() - t0 < 50);
});

test("trainingBytes counts parameters, their gradients, optimizer state and activations", () => {
  const chain = mlp({ depth: 1, width: 2, hidden: 2, classes: 2, inputs: 2 });
  assert.equal(parameterCount(chain), 24);
  const spec: ModelSpec = { kind: "mlp", depth: 1, width: 2, hidden: 2, classes: 2, inputs: 2 };
  assert.equal(trainingBytes(plan(spec), chain, 0), 24 * 4 * 4);
  assert.equal(trainingBytes(job({ model: spec }), chain, 100), 24 * 4 * 4 + 100);
  assert.equal(
    trainingBytes(job({ model: spec, optimizer: { kind: "sgd", lr: 0.1, momentum: 0.9 } }), chain, 100),
    24 * 4 * 3 + 100,
  );
});
