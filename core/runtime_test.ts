import assert from "node:assert/strict";
import { test } from "node:test";
import { Effect } from "effect";
import { BackendService } from "./backend.ts";
import { executePlan } from "./execute.ts";
import { MetaBackend } from "./meta_backend.ts";
import { gpt } from "./models/gpt.ts";
import { initParams, releaseParams } from "./params.ts";
import { storeAllPlan } from "./plan.ts";
import { withBackend } from "./runtime.ts";
import { Scheduler } from "./scheduler.ts";

const chain = gpt({ layers: 1, dModel: 8, heads: 2, seqLen: 4, vocab: 7 });

/** Parameters and a batch of two sequences on `backend`. */
function inputs(backend: MetaBackend) {
  const params = initParams(chain, backend, 0);
  const x = backend.upload(new Int32Array(8), [2, 4], "i32", "io");
  const y = backend.upload(new Int32Array(8), [2, 4], "i32", "io");
  return { params, batch: { x, y } };
}

test("withBackend provides the backend itself as the BackendService", async () => {
  const backend = new MetaBackend();
  const provided = await Effect.runPromise(
    Effect.gen(function* () {
      return yield* BackendService;
    }).pipe(Effect.provide(withBackend(backend))),
  );
  assert.equal(provided, backend);
});

test("withBackend provides a Scheduler that steps on that backend, measuring what executePlan measures", async () => {
  const plan = storeAllPlan(chain.stages.length);
  const direct = new MetaBackend();
  const d = inputs(direct);
  const expected = executePlan(plan, { backend: direct, chain, ...d });
  expected.loss.release();
  for (const g of expected.grads.flat()) g.release();

  const backend = new MetaBackend();
  const { params, batch } = inputs(backend);
  const before = backend.memory.report();
  const out = await Effect.runPromise(
    Effect.gen(function* () {
      const scheduler = yield* Scheduler;
      return yield* scheduler.step(plan, { chain, params, batch });
    }).pipe(Effect.provide(withBackend(backend))),
  );
  assert.equal(out.peakBytes, expected.peakBytes);
  assert.deepEqual(out.forwards, expected.forwards);
  assert.equal(
    backend.memory.report().live.parameterGradient,
    before.live.parameter,
    "the gradients live on it",
  );
  out.loss.release();
  for (const g of out.grads.flat()) g.release();
  assert.deepEqual(backend.memory.report().live, before.live, "releasing the outcome restores the memory");
  batch.x.release();
  batch.y.release();
  releaseParams(params);
  assert.ok(Object.values(backend.memory.report().live).every((b) => b === 0));
});
