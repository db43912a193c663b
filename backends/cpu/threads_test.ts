import assert from "node:assert/strict";
import { test } from "node:test";
import { Effect } from "effect";
import { adamw, mlp, readParams, releaseParams, staticProfile, train, withBackend } from "@remat/core";
import { teacher } from "@remat/datasets";
import { sqrt } from "@remat/strategies";
import { bitsOf, describeCase, PRODUCT_CASES, productOn } from "./_products.ts";
import { CpuBackend } from "./cpu_backend.ts";
import { gemmThreading, hardwareThreads, startGemmHelpers } from "./gemm/wasm_kernel.ts";

test("CpuBackend takes 1 up to the hardware's threads and refuses anything else", () => {
  assert.equal(new CpuBackend({ threads: 1 }).threads, 1);
  assert.equal(new CpuBackend().threads, hardwareThreads);
  assert.equal(new CpuBackend({ threads: 10_000 }).threads, hardwareThreads, "capped");
  assert.match(new CpuBackend({ threads: 1 }).device, /1 thread for matrix products/);
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => new CpuBackend({ threads: bad }),
      /invalid threads: got .*; expected a positive integer/,
    );
  }
});

test("matrix products give the same bits on one thread and on all (transposes, ragged sizes)", async () => {
  const helpers = await startGemmHelpers();
  assert.equal(helpers, hardwareThreads - 1, "every helper thread started");
  const one = new CpuBackend({ threads: 1 }), all = new CpuBackend();
  const before = gemmThreading().threadedProducts;
  for (const c of PRODUCT_CASES) {
    assert.deepEqual(bitsOf(await productOn(all, c)), bitsOf(await productOn(one, c)), describeCase(c));
  }
  const split = gemmThreading().threadedProducts - before;
  if (hardwareThreads > 1) assert.ok(split >= 5, `${split} products were split over threads`);
});

test("training on one thread and on all gives the same parameters, bit for bit", async () => {
  await startGemmHelpers();
  const chain = mlp({ depth: 4, width: 128, hidden: 512, classes: 10, inputs: 128, dropout: 0.1 });
  const trained = async (threads: number) => {
    const backend = new CpuBackend({ threads });
    const result = await Effect.runPromise(
      train(chain, teacher({ inputs: 128, classes: 10, seed: 3 }), {
        steps: 4,
        batch: 64,
        seed: 3,
        optimizer: adamw({ lr: 1e-3 }),
        plan: sqrt(staticProfile(chain, 64)),
      }).pipe(Effect.provide(withBackend(backend))),
    );
    const host = await readParams(backend, result.params);
    releaseParams(result.params);
    return { params: host.flat().map(bitsOf), losses: result.history.map((r) => r.loss) };
  };
  const one = await trained(1), all = await trained(hardwareThreads);
  assert.deepEqual(all.losses, one.losses);
  assert.deepEqual(all.params, one.params);
});
