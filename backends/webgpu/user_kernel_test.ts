import assert from "node:assert/strict";
import { test } from "node:test";
import { defineKernel, MissingKernel } from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { withWebGpu } from "./test_support.ts";

const SCALED_GATHER = defineKernel({
  name: "webgpuTest.scaledGather",
  // out[i] = f0·a[ids[i]] + u0 − f1: an f32 and an i32 input, both parameter kinds
  cpu: ({ inputs: [a, ids], out, ints, floats }) => {
    for (let i = 0; i < out.length; i++) out[i] = floats[0]! * a![ids![i]!]! + ints[0]! - floats[1]!;
  },
  wgsl: "fn element(i: u32) -> f32 { return p.f0 * in0[in1[i]] + f32(p.u0) - p.f1; }",
});
const CPU_ONLY = defineKernel({ name: "webgpuTest.cpuOnly", cpu: ({ out }) => out.fill(1) });

await withWebGpu("user kernels (webgpu)", (make) => {
  test("a user kernel's WGSL element() gives its CPU function's values, inputs and parameters bound", async () => {
    const gpu = await make(), cpu = new CpuBackend();
    const a = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i));
    const ids = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 300);
    const call = { shape: [10, 100], ints: [3], floats: [0.25, 1.5] };
    const run = async (b: typeof gpu | CpuBackend) => {
      const [ta, ti] = [b.upload(a, [300], "f32"), b.upload(ids, [1000], "i32")];
      const y = b.runUserKernel(SCALED_GATHER, [ta, ti], call);
      const host = await b.read(y);
      for (const t of [ta, ti, y]) t.release();
      return host;
    };
    const [want, got] = [await run(cpu), await run(gpu)];
    got.forEach((v, i) =>
      assert.ok(Math.abs(v - want[i]!) <= 1e-6 * Math.max(1, Math.abs(want[i]!)), `element ${i}`)
    );
    assert.equal(gpu.memory.report().activationLive, 0);
    gpu.dispose();
  });

  test("a kernel without WGSL cannot run on WebGPU: canRun says so and a run is a MissingKernel", async () => {
    const gpu = await make();
    assert.equal(gpu.canRun(CPU_ONLY), false);
    assert.equal(gpu.canRun(SCALED_GATHER), true);
    assert.throws(() => gpu.runUserKernel(CPU_ONLY, [], { shape: [4] }), (e) => {
      assert.ok(e instanceof MissingKernel);
      assert.match(
        e.message,
        /kernel "webgpuTest\.cpuOnly" cannot run on webgpu: it has a cpu implementation only/,
      );
      return true;
    });
    assert.equal(gpu.memory.report().activationLive, 0);
    gpu.dispose();
  });
});
