import assert from "node:assert/strict";
import { test } from "node:test";
import { Cause, Effect, Exit } from "effect";
import { InvalidArgument, PlanInvalid } from "./errors.ts";
import { MetaBackend } from "./meta_backend.ts";
import { mlp } from "./models/mlp.ts";
import { initParams, releaseParams } from "./params.ts";
import { storeAllPlan } from "./plan.ts";
import { withBackend } from "./runtime.ts";
import { attempt, Scheduler } from "./scheduler.ts";

test("attempt runs f only when the effect runs, and succeeds with its value", async () => {
  let calls = 0;
  const eff = attempt(() => ++calls * 21);
  assert.equal(calls, 0, "nothing runs before the effect does");
  assert.equal(await Effect.runPromise(eff), 21);
  assert.equal(await Effect.runPromise(eff), 42, "each run calls f again");
});

test("attempt turns a thrown remat error into a typed failure and anything else into a defect", async () => {
  const typed = new InvalidArgument({ name: "steps", value: -1, expected: "a positive integer" });
  const failed = await Effect.runPromise(Effect.flip(attempt(() => {
    throw typed;
  })));
  assert.equal(failed, typed, "the very error, as the failure");

  const exit = await Effect.runPromiseExit(attempt(() => {
    throw new TypeError("not ours");
  }));
  assert.ok(Exit.isFailure(exit));
  assert.ok(Cause.hasDies(exit.cause), "a defect");
  assert.ok(!Cause.hasFails(exit.cause), "not a typed failure");
});

test("Scheduler.step fails with PlanInvalid as a typed error and leaves the backend's memory as it was", async () => {
  const backend = new MetaBackend();
  const chain = mlp({ depth: 2, width: 4, hidden: 8, classes: 2, inputs: 2 });
  const params = initParams(chain, backend, 0);
  const x = backend.upload(new Float32Array(6), [3, 2], "f32", "io");
  const y = backend.upload(new Int32Array(3), [3], "i32", "io");
  const before = backend.memory.report();
  const n = chain.stages.length;
  const plan = { ...storeAllPlan(n), instructions: storeAllPlan(n).instructions.slice(0, -1) }; // backward 0 missing
  const error = await Effect.runPromise(
    Effect.flip(Effect.gen(function* () {
      const scheduler = yield* Scheduler;
      return yield* scheduler.step(plan, { chain, params, batch: { x, y } });
    })).pipe(Effect.provide(withBackend(backend))),
  );
  assert.ok(error instanceof PlanInvalid, String(error));
  assert.deepEqual(backend.memory.report(), before);
  x.release();
  y.release();
  releaseParams(params);
});
