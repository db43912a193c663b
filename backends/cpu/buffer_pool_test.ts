import assert from "node:assert/strict";
import { test } from "node:test";
import { Effect } from "effect";
import {
  adamw,
  gpt,
  predictPlan,
  readParams,
  releaseParams,
  staticProfile,
  train,
  withBackend,
} from "@remat/core";
import { textWindows } from "@remat/datasets";
import { optimal, sqrt } from "@remat/strategies";
import { bitsOf } from "./_products.ts";
import { BufferPool, MIN_POOLED_ELEMENTS } from "./buffer_pool.ts";
import { CpuBackend, f32 } from "./cpu_backend.ts";

test("a released array comes back zero-filled, by type and length, up to the cap", () => {
  const n = MIN_POOLED_ELEMENTS;
  const pool = new BufferPool(8 * n);
  const a = pool.take("f32", n);
  a.fill(7);
  pool.give(a);
  assert.equal(pool.bytes, 4 * n);
  assert.equal(pool.take("i32", n) instanceof Int32Array, true, "another type is not reused");
  assert.equal(pool.take("f32", n + 1).length, n + 1, "another length is not reused");
  const again = pool.take("f32", n);
  assert.equal(again, a);
  assert.ok(again.every((v) => v === 0), "zero-filled");
  assert.equal(pool.bytes, 0);
  const kept = pool.take("f32", n, false);
  assert.notEqual(kept, a, "empty pool: a fresh array");
  a.fill(3);
  pool.give(a);
  assert.equal(pool.take("f32", n, false)[0], 3, "zero: false leaves the old contents");
  // the cap: two arrays of 4n bytes fill an 8n-byte pool, the third is dropped
  for (let i = 0; i < 3; i++) pool.give(new Float32Array(n));
  assert.equal(pool.bytes, 8 * n);
  pool.give(new Float32Array(8)); // small arrays are never kept
  assert.equal(pool.bytes, 8 * n);
  pool.clear();
  assert.equal(pool.bytes, 0);
});

test("the backend reuses released tensors' arrays and accounts only live tensors", () => {
  const cpu = new CpuBackend({ threads: 1 });
  const live = () => Object.values(cpu.memory.report().live).reduce((a, b) => a + b, 0);
  const t = cpu.alloc([64, 64], "f32");
  const data = f32(t);
  data.fill(1);
  t.release();
  assert.equal(live(), 0, "a released tensor is not counted, pooled or not");
  assert.equal(cpu.pool.bytes, 64 * 64 * 4);
  const u = cpu.alloc([64, 64], "f32");
  assert.equal(f32(u), data, "the same array again");
  assert.ok(f32(u).every((v) => v === 0), "alloc is zero-filled");
  assert.equal(live(), 64 * 64 * 4);
  const off = new CpuBackend({ threads: 1, reuseBytes: 0 });
  const v = off.alloc([64, 64], "f32");
  v.release();
  assert.equal(off.pool.bytes, 0, "reuseBytes 0 keeps nothing");
  for (const bad of [-1, 1.5, Number.NaN, Infinity]) {
    assert.throws(
      () => new CpuBackend({ reuseBytes: bad }),
      /invalid reuseBytes: got .*; expected a whole number/,
    );
  }
});

test("training with reuse gives the same bits and peak as without", async () => {
  const data = textWindows(16, { seed: 2 });
  const chain = gpt({ layers: 2, dModel: 32, heads: 2, seqLen: 16, vocab: data.vocab.size, dropout: 0.1 });
  const profile = staticProfile(chain, 4);
  const run = async (reuseBytes: number) => {
    const backend = new CpuBackend({ threads: 1, reuseBytes });
    const result = await Effect.runPromise(
      train(chain, data, {
        steps: 3,
        batch: 4,
        seed: 2,
        optimizer: adamw({ lr: 1e-3 }),
        plan: optimal(profile, { bytes: predictPlan(profile, sqrt(profile)).peakBytes }),
      }).pipe(Effect.provide(withBackend(backend))),
    );
    const host = await readParams(backend, result.params);
    releaseParams(result.params);
    return {
      params: host.flat().map(bitsOf),
      losses: result.history.map((r) => r.loss),
      peaks: result.history.map((r) => r.peakBytes),
      pooled: backend.pool.bytes,
    };
  };
  const without = await run(0), reused = await run(64 << 20);
  assert.ok(reused.pooled > 0, "arrays were kept for reuse");
  assert.deepEqual(reused.losses, without.losses);
  assert.deepEqual(reused.peaks, without.peaks);
  assert.deepEqual(reused.params, without.params);
});
