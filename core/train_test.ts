import assert from "node:assert/strict";
import { test } from "node:test";
import { Effect } from "effect";
import { type Chain, parameterCount } from "./chain.ts";
import type { Dataset } from "./data.ts";
import { DTypeMismatch, InvalidArgument } from "./errors.ts";
import { MetaBackend } from "./meta_backend.ts";
import { mlp } from "./models/mlp.ts";
import { sgd } from "./optim/optimizer.ts";
import { releaseParams } from "./params.ts";
import { type Instruction, type Plan, storeAllPlan } from "./plan.ts";
import { predictPlan } from "./predict.ts";
import { staticProfile } from "./profile.ts";
import { withBackend } from "./runtime.ts";
import { type StepReport, train, uploadBatch } from "./train.ts";

const chain = mlp({ depth: 2, width: 6, hidden: 12, classes: 3, inputs: 2 }); // 4 stages

/** Zeros for x and class 0 for y; `bad(step)` may return a batch of the wrong length instead. */
function zeros(c: Chain, bad?: (step: number) => boolean): Dataset {
  const per = c.input.shape.reduce((a, b) => a * b, 1);
  return {
    name: "zeros",
    batch: (step, size) => ({
      x: new Float32Array(size * per + (bad?.(step) ? 1 : 0)),
      y: new Int32Array(size),
    }),
  };
}

/** Drops x_2 after the first sweep and recomputes it once from x_1. */
const recompute: Plan = {
  strategy: "recompute-x2",
  stages: 4,
  instructions: ([
    ["forward", 0, true],
    ["forward", 1, false],
    ["forward", 2, false],
    ["free", 2],
    ["forward", 3, true],
    ["loss"],
    ["free", 4],
    ["backward", 3],
    ["free", 3],
    ["forward", 1, true],
    ["forward", 2, true],
    ["free", 3],
    ["backward", 2],
    ["free", 2],
    ["backward", 1],
    ["free", 1],
    ["backward", 0],
  ] as const).map(([op, a, b]): Instruction =>
    op === "forward"
      ? { op, stage: a!, record: b! }
      : op === "backward"
      ? { op, stage: a! }
      : op === "free"
      ? { op, value: a! }
      : { op }
  ),
};

const totalLive = (b: MetaBackend) => Object.values(b.memory.report().live).reduce((s, v) => s + v, 0);

test("train on the meta backend: one report per step, each step peaking at the plan's predicted peak", async () => {
  for (const plan of [storeAllPlan(4), recompute]) {
    const backend = new MetaBackend();
    const seen: StepReport[] = [];
    const result = await Effect.runPromise(
      train(chain, zeros(chain), { steps: 3, batch: 5, plan: () => plan, onStep: (r) => seen.push(r) })
        .pipe(Effect.provide(withBackend(backend))),
    );
    const predicted = predictPlan(staticProfile(chain, 5), plan).peakBytes;
    assert.equal(result.plan, plan, "the plan the function made");
    assert.deepEqual(result.history.map((r) => r.step), [0, 1, 2]);
    assert.deepEqual(seen, result.history, "onStep saw every report, in order");
    for (const r of result.history) {
      assert.equal(r.peakBytes, predicted, `${plan.strategy} step ${r.step}`);
      assert.ok(r.ms >= 0);
    }
    releaseParams(result.params);
  }
});

test("train leaves only the trained parameters live; releasing them leaves nothing", async () => {
  const backend = new MetaBackend();
  const result = await Effect.runPromise(
    train(chain, zeros(chain), { steps: 2, batch: 4, optimizer: sgd({ lr: 0.1, momentum: 0.9 }) })
      .pipe(Effect.provide(withBackend(backend))),
  );
  const { live, activationLive } = backend.memory.report();
  assert.deepEqual(result.memory, backend.memory.report(), "result.memory is the accountant after the run");
  assert.equal(live.parameter, 4 * parameterCount(chain));
  assert.equal(live.optimizer, 0, "optimizer state released at the end of the run");
  assert.equal(live.parameterGradient, 0);
  assert.equal(live.io, 0, "every batch and loss released");
  assert.equal(activationLive, 0);
  releaseParams(result.params);
  assert.equal(totalLive(backend), 0);
});

test("train refuses steps or batch below one before allocating anything, naming the option", async () => {
  for (
    const [options, name] of [[{ steps: 0, batch: 4 }, "steps"], [{ steps: 1, batch: 1.5 }, "batch"]] as const
  ) {
    const backend = new MetaBackend();
    const error = await Effect.runPromise(
      Effect.flip(train(chain, zeros(chain), options)).pipe(Effect.provide(withBackend(backend))),
    );
    assert.ok(error instanceof InvalidArgument, String(error));
    assert.match(error.message, new RegExp(`\\b${name}\\b`));
    assert.equal(totalLive(backend), 0);
  }
});

test("a step failing part-way through a run releases the parameters train made and the optimizer state", async () => {
  const backend = new MetaBackend();
  const seen: number[] = [];
  const error = await Effect.runPromise(
    Effect.flip(
      train(chain, zeros(chain, (step) => step === 2), {
        steps: 4,
        batch: 3,
        onStep: (r) => seen.push(r.step),
      }),
    )
      .pipe(Effect.provide(withBackend(backend))),
  );
  assert.ok(error instanceof InvalidArgument, String(error));
  assert.match(error.message, /zeros batch x length/);
  assert.deepEqual(seen, [0, 1], "the steps before the bad batch ran");
  assert.equal(totalLive(backend), 0);
});

test("uploadBatch uploads x and y as io of the chain's shapes, and refuses a wrong length or dtype uploading nothing", () => {
  const backend = new MetaBackend();
  const { x, y } = uploadBatch(zeros(chain), { backend, chain, size: 7 });
  assert.deepEqual([x.shape, x.dtype, x.storage.kind], [[7, 2], "f32", "io"]);
  assert.deepEqual([y.shape, y.dtype, y.storage.kind], [[7], "i32", "io"]);
  x.release();
  y.release();

  assert.throws(() => uploadBatch(zeros(chain, () => true), { backend, chain, size: 7 }), InvalidArgument);
  const floatLabels: Dataset = {
    name: "float labels",
    batch: (_s, n) => ({ x: new Float32Array(2 * n), y: new Float32Array(n) }),
  };
  assert.throws(() => uploadBatch(floatLabels, { backend, chain, size: 7 }), DTypeMismatch);
  assert.equal(totalLive(backend), 0);
});
