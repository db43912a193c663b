import assert from "node:assert/strict";
import { test } from "node:test";
import { Effect, Exit } from "effect";
import { DeviceLost, mlp, storeAllPlan, train, withBackend } from "@remat/core";
import { requestGpu } from "./device.ts";
import { sizeClass } from "./buffer_pool.ts";
import { withWebGpu } from "./test_support.ts";
import { WebGpuBackend } from "./webgpu_backend.ts";

test("sizeClass rounds up, to at most 1/8 more than asked beyond 4 KiB", () => {
  for (const bytes of [0, 1, 4, 17, 255, 256, 4096, 4097, 10_000, 1 << 20, (1 << 20) + 1, 123_456_789]) {
    const c = sizeClass(bytes);
    assert.ok(c >= Math.max(16, bytes), `${bytes} → ${c}`);
    assert.equal(c % 4, 0);
    if (bytes > 4096) assert.ok(c <= bytes * 1.125 + 256, `${bytes} → ${c} wastes too much`);
  }
});

await withWebGpu("WebGpuBackend", (make) => {
  test("released buffers go to the pool: pooled bytes are not live bytes, and are reused", async () => {
    const bk = await make();
    try {
      const a = bk.alloc([1000], "f32");
      assert.equal(bk.memory.report().live.temporary, 4000);
      a.release();
      assert.equal(bk.memory.report().live.temporary, 0);
      assert.equal(bk.pooledBytes, sizeClass(4000));
      const before = bk.pool.stats.created;
      const b = bk.alloc([999], "f32"); // same size class
      assert.equal(bk.pool.stats.created, before, "no new buffer");
      assert.equal(bk.pooledBytes, 0);
      assert.deepEqual(
        [...(await bk.read(b))].every((v) => v === 0),
        true,
        "alloc is zero-filled even when reused",
      );
      b.release();
      await bk.trimPool();
      assert.equal(bk.pooledBytes, 0);
    } finally {
      bk.dispose();
    }
  });

  test("an upload into a reused buffer does not overtake queued work that still reads it", async () => {
    const bk = await make();
    try {
      const x = bk.upload(new Float32Array([1, -2, 3, -4]), [4], "f32");
      const y = bk.kernels.relu(x); // queued, reads x
      x.release(); // x's buffer returns to the pool while the relu is still queued
      const z = bk.upload(new Float32Array([-9, 9, -9, 9]), [4], "f32"); // reuses that buffer
      assert.deepEqual([...(await bk.read(y))], [1, 0, 3, 0]);
      assert.deepEqual([...(await bk.read(z))], [-9, 9, -9, 9]);
      y.release();
      z.release();
    } finally {
      bk.dispose();
    }
  });

  test("readMany copies several tensors back in one submission", async () => {
    const bk = await make();
    try {
      const a = bk.upload(new Float32Array([1, 2]), [2], "f32");
      const b = bk.upload(new Int32Array([7, 8, 9]), [3], "i32");
      const submits = bk.runner.stats.submits;
      const [ha, hb] = await bk.readMany([a, b]);
      assert.equal(bk.runner.stats.submits, submits + 1);
      assert.deepEqual([...ha!], [1, 2]);
      assert.ok(hb instanceof Int32Array);
      assert.deepEqual([...hb!], [7, 8, 9]);
      a.release();
      b.release();
    } finally {
      bk.dispose();
    }
  });

  test("after a training run every live byte is released; spare buffers stay pooled", async () => {
    const bk = await make();
    try {
      const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 3, inputs: 2 });
      const data = {
        name: "zeros",
        batch: (_: number, n: number) => ({ x: new Float32Array(n * 2).fill(0.5), y: new Int32Array(n) }),
      };
      const result = await Effect.runPromise(
        train(chain, data, { steps: 2, batch: 4, plan: storeAllPlan(chain.stages.length) }).pipe(
          Effect.provide(withBackend(bk)),
        ),
      );
      for (const row of result.params) for (const p of row) p.release();
      const live = bk.memory.report().live;
      for (const [kind, bytes] of Object.entries(live)) assert.equal(bytes, 0, `${kind} still live`);
      assert.ok(bk.pooledBytes > 0);
    } finally {
      bk.dispose();
    }
  });

  test("a lost device fails the next step with the typed DeviceLost error", async () => {
    const gpu = await requestGpu();
    const bk = new WebGpuBackend(gpu, { ownsDevice: true });
    const chain = mlp({ depth: 1, width: 4, hidden: 8, classes: 2, inputs: 2 });
    const data = {
      name: "ones",
      batch: (_: number, n: number) => ({ x: new Float32Array(n * 2).fill(1), y: new Int32Array(n) }),
    };
    gpu.device.destroy();
    await gpu.device.lost;
    assert.throws(() => bk.kernels.relu(bk.alloc([2], "f32")), DeviceLost);
    const exit = await Effect.runPromiseExit(
      train(chain, data, { steps: 1, batch: 2 }).pipe(Effect.provide(withBackend(bk))),
    );
    assert.ok(Exit.isFailure(exit));
    assert.match(String(exit.cause), /DeviceLost|device was lost/);
    bk.dispose();
  });
});
