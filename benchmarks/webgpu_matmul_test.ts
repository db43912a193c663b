import assert from "node:assert/strict";
import { test } from "node:test";
import type { Backend, MatmulOptions, Tensor } from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { randomF32, timeMatmul } from "./webgpu_matmul.ts";

test("timeMatmul checks the product before timing it and reports GFLOP/s from the median batch", async () => {
  const bk = new CpuBackend();
  const r = await timeMatmul(bk, 48, { layout: { transB: true }, batchMs: 5 });
  assert.deepEqual([r.size, r.transA, r.transB, r.tile], [48, false, true, 64]);
  assert.equal(r.checked.entries, 6);
  assert.ok(r.checked.worstErrorOfBound < 1, `worst error ${r.checked.worstErrorOfBound} of its bound`);
  assert.ok(r.batches === 5 && r.perBatch >= 1 && r.ms > 0);
  assert.ok(Math.abs(r.gflops - (2 * 48 ** 3) / (r.ms * 1e6)) < 1e-9);
  assert.equal(liveBytes(bk), 0, "operands released");
});

test("timeMatmul refuses to time a kernel whose product is wrong, naming the entry", async () => {
  const bk = new CpuBackend();
  const right = bk.kernels.matmul;
  (bk.kernels as { matmul: typeof right }).matmul = (a: Tensor, b: Tensor, o: MatmulOptions) => {
    const c = right(a, b, o);
    const wrong = bk.upload(
      Float32Array.from({ length: c.size }, (_, i) => i === 0 ? 1e3 : 0),
      c.shape,
      "f32",
    );
    c.release();
    return wrong;
  };
  await assert.rejects(
    () => timeMatmul(bk, 16),
    /matmul 16² .*c\[0, 0\] = 1000, float64 .*not timing a wrong kernel/,
  );
  assert.equal(liveBytes(bk), 0, "operands released after the failure");
});

test("randomF32 is deterministic in its seed and stays in [−0.5, 0.5)", () => {
  assert.deepEqual(randomF32(5, 3), randomF32(5, 3));
  assert.notDeepEqual(randomF32(5, 3), randomF32(5, 4));
  assert.ok(randomF32(1000, 1).every((v) => v >= -0.5 && v < 0.5));
});

function liveBytes(bk: Backend): number {
  return Object.values(bk.memory.report().live).reduce((a, b) => a + b, 0);
}
