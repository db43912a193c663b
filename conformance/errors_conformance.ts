/**
 * Bad input on a backend: wrong shapes, unknown ops and invalid plans fail with the typed
 * error whose message names the offending value, and leave no memory behind.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Effect, Exit } from "effect";
import {
  type Backend,
  DTypeMismatch,
  gpt,
  initParams,
  InvalidArgument,
  mlp,
  opByName,
  OPS,
  PlanInvalid,
  Recorder,
  releaseParams,
  Scheduler,
  ShapeMismatch,
  storeAllPlan,
  train,
  UnknownOp,
  withBackend,
} from "@remat/core";
import { randomBatch } from "./step_helpers.ts";

/**
 * Registers the bad-input suite for a backend.
 *
 * @example
 * ```ts
 * // backends/cpu/errors_conformance_test.ts
 * import { runErrorConformance } from "@remat/conformance";
 * import { CpuBackend } from "@remat/cpu";
 * runErrorConformance("cpu", () => new CpuBackend());
 * ```
 */
export function runErrorConformance(name: string, makeBackend: () => Backend | Promise<Backend>): void {
  describe(`${name}: bad input`, () => {
    test("matmul with mismatched inner dimensions is a ShapeMismatch naming both shapes", async () => {
      const b = await makeBackend();
      const a = b.alloc([2, 3], "f32");
      const w = b.alloc([4, 5], "f32");
      const ctx = new Recorder(b, { record: false, key: { seed: 0, step: 0, stage: 0 } });
      assert.throws(() => ctx.matmul(a, w), (e: unknown) => {
        assert.ok(e instanceof ShapeMismatch);
        assert.equal(e.op, "matmul");
        assert.match(e.message, /matmul: shape mismatch: got \[2, 3\] and \[4, 5\]/);
        return true;
      });
      a.release();
      w.release();
      assert.equal(b.memory.report().activationLive, 0);
      b.dispose();
    });

    test("elementwise, bias, layernorm, attention and loss ops reject wrong shapes", async () => {
      const b = await makeBackend();
      const t = (shape: number[], dtype: "f32" | "i32" = "f32") => b.alloc(shape, dtype);
      const ctx = new Recorder(b, { record: true, key: { seed: 0, step: 0, stage: 0 } });
      const cases: Array<[string, () => unknown, RegExp]> = [
        ["add", () => ctx.add(t([2, 3]), t([3, 2])), /add: shape mismatch: got \[2, 3\] and \[3, 2\]/],
        ["biasAdd", () => ctx.biasAdd(t([2, 3]), t([4])), /biasAdd.*\[2, 3\] and \[4\]/],
        [
          "layernorm",
          () => ctx.layernorm(t([2, 3]), t([2]), t([3])),
          /layernorm.*gamma and beta of shape \[3\]/,
        ],
        [
          "attention",
          () => ctx.attention(t([1, 2, 3]), t([1, 2, 3]), t([1, 2, 3]), { heads: 2, causal: true }),
          /divisible by heads=2/,
        ],
        ["crossEntropy", () => ctx.crossEntropy(t([2, 3]), t([3], "i32")), /labels \[3\]/],
        ["sub", () => ctx.sub(t([2, 3]), t([2, 4])), /sub: shape mismatch: got \[2, 3\] and \[2, 4\]/],
        ["bceWithLogits", () => ctx.bceWithLogits(t([4]), t([4, 1])), /bceWithLogits.*\[4\] and \[4, 1\]/],
        ["reshape", () => ctx.reshape(t([2, 3]), [4, 2]), /reshape.*6 elements \(target \[4, 2\]\)/],
      ];
      for (const [label, run, pattern] of cases) {
        assert.throws(run, (e: unknown) => e instanceof ShapeMismatch && pattern.test(e.message), label);
      }
      b.dispose();
    });

    test("ops reject a wrong dtype with DTypeMismatch naming the op, the input, the dtype seen and the valid one", async () => {
      const b = await makeBackend();
      const t = (shape: number[], dtype: "f32" | "i32" = "f32") => b.alloc(shape, dtype);
      const ctx = new Recorder(b, { record: true, key: { seed: 0, step: 0, stage: 0 } });
      const cases: Array<[() => unknown, RegExp]> = [
        [() => ctx.crossEntropy(t([2, 3]), t([2])), /crossEntropy: input labels is f32 \[2\]; expected i32/],
        [() => ctx.sub(t([8, 1]), t([8, 1], "i32")), /sub: input b is i32 \[8, 1\]; expected f32/],
        [() => ctx.mean(t([3], "i32")), /sum: input x is i32 \[3\]; expected f32/],
        [() => ctx.embedding(t([4]), t([5, 2])), /embedding: input ids is f32 \[4\]; expected i32/],
        [() => ctx.relu(t([2, 2], "i32")), /relu: input x is i32 \[2, 2\]; expected f32/],
      ];
      for (const [run, pattern] of cases) {
        assert.throws(
          run,
          (e: unknown) => e instanceof DTypeMismatch && pattern.test(e.message),
          String(pattern),
        );
      }
      assert.throws(
        () => ctx.apply(OPS.add, [t([2])], undefined),
        /invalid add inputs: got 1; expected 2 \(a, b\)/,
      );
      assert.throws(
        () => ctx.sum(t([2, 3]), [2]),
        /invalid sum axes: got \[2\]; expected distinct integers in \[-2, 2\)/,
      );
      b.dispose();
    });

    test("an unknown op name is an UnknownOp listing the known ones", () => {
      assert.throws(() => opByName("conv9d"), (e: unknown) => {
        assert.ok(e instanceof UnknownOp);
        assert.match(e.message, /unknown op "conv9d"; known ops: matmul, add/);
        return true;
      });
      assert.equal(opByName("relu"), OPS.relu);
    });

    test("the scheduler fails an invalid plan with PlanInvalid before computing anything", async () => {
      const b = await makeBackend();
      const chain = mlp({ depth: 2, width: 3, hidden: 4, classes: 2, inputs: 2 });
      const params = initParams(chain, b, 0);
      const host = randomBatch(chain, 2, 0);
      const x = b.upload(host.x as Float32Array, [2, 2], "f32", "io");
      const y = b.upload(host.y as Int32Array, [2], "i32", "io");
      const good = storeAllPlan(chain.stages.length);
      const bad = {
        ...good,
        instructions: good.instructions.filter((i) => !(i.op === "backward" && i.stage === 1)),
      };
      const exit = await Effect.runPromiseExit(
        Effect.gen(function* () {
          const s = yield* Scheduler;
          return yield* s.step(bad, { chain, params, batch: { x, y } });
        }).pipe(Effect.provide(withBackend(b))),
      );
      assert.ok(Exit.isFailure(exit));
      const err = Exit.isFailure(exit) ? exit.cause.toString() : "";
      assert.match(err, /PlanInvalid|invalid plan at instruction/);
      assert.equal(b.memory.report().activationLive, 0);
      x.release();
      y.release();
      releaseParams(params);
      b.dispose();
      assert.ok(
        new PlanInvalid({ index: 3, instruction: "free x9", reason: "r" }).message.includes(
          "instruction 3 (free x9)",
        ),
      );
    });

    test("model builders and train reject bad configuration with InvalidArgument", async () => {
      assert.throws(
        () => mlp({ depth: 0, width: 4, hidden: 4, classes: 2 }),
        /invalid depth: got 0; expected a positive integer/,
      );
      assert.throws(
        () => gpt({ layers: 1, dModel: 6, heads: 4, seqLen: 2, vocab: 3 }),
        /invalid heads: got 4; expected a divisor of dModel=6/,
      );
      assert.throws(() => mlp({ depth: 1, width: 4, hidden: 4, classes: 2, dropout: 1 }), InvalidArgument);
      const b = await makeBackend();
      const chain = mlp({ depth: 1, width: 2, hidden: 2, classes: 2, inputs: 2 });
      const data = { name: "random", batch: (_: number, size: number) => randomBatch(chain, size, 0) };
      const exit = await Effect.runPromiseExit(
        train(chain, data, { steps: 0, batch: 2 }).pipe(Effect.provide(withBackend(b))),
      );
      assert.ok(Exit.isFailure(exit));
      assert.match(
        Exit.isFailure(exit) ? exit.cause.toString() : "",
        /invalid steps: got 0; expected a positive integer/,
      );
      const short = { name: "short", batch: () => ({ x: new Float32Array(1), y: new Int32Array(2) }) };
      const exit2 = await Effect.runPromiseExit(
        train(chain, short, { steps: 1, batch: 2 }).pipe(Effect.provide(withBackend(b))),
      );
      assert.match(
        Exit.isFailure(exit2) ? exit2.cause.toString() : "",
        /short batch x length: got 1; expected 4/,
      );
      assert.equal(b.memory.report().activationLive, 0);
      assert.equal(b.memory.report().stateBytes, 0);
      b.dispose();
    });
  });
}
