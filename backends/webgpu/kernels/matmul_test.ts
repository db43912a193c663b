import assert from "node:assert/strict";
import { test } from "node:test";
import { CpuBackend } from "@remat/cpu";
import { withWebGpu } from "../test_support.ts";

/** Values in [−1, 1) from a linear congruential sequence. */
function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = 2 * (s / 4294967296) - 1;
  }
  return a;
}

await withWebGpu("matmul tiles (webgpu)", (make) => {
  const cases: Array<[number, number, number]> = [[1, 1, 1], [15, 17, 63], [65, 64, 17], [130, 63, 65], [64, 129, 16]];
  test("shapes crossing tile edges agree with the CPU for every operand layout, bit-identically on repeats", async () => {
    const gpu = await make(), cpu = new CpuBackend();
    try {
      for (const [m, n, k] of cases) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const ha = values(m * k, m + 7 * k), hb = values(k * n, n + 3 * k);
            const aShape = transA ? [k, m] : [m, k], bShape = transB ? [n, k] : [k, n];
            const ga = gpu.upload(ha, aShape, "f32"), gb = gpu.upload(hb, bShape, "f32");
            const ca = cpu.upload(ha, aShape, "f32"), cb = cpu.upload(hb, bShape, "f32");
            const g1 = gpu.kernels.matmul(ga, gb, { transA, transB }), g2 = gpu.kernels.matmul(ga, gb, { transA, transB });
            const c = cpu.kernels.matmul(ca, cb, { transA, transB });
            const [x1, x2] = await gpu.readMany([g1, g2]);
            const want = await cpu.read(c);
            const what = `${m}×${n}×${k} transA=${transA} transB=${transB}`;
            assert.deepEqual([...g1.shape], [m, n], what);
            assert.deepEqual(new Uint32Array(x1!.buffer), new Uint32Array(x2!.buffer), `${what}: repeat differs`);
            for (let i = 0; i < want.length; i++) {
              assert.ok(Math.abs(x1![i]! - want[i]!) <= 1e-5 * k + 1e-4 * Math.abs(want[i]!), `${what}: element ${i} is ${x1![i]}, CPU ${want[i]}`);
            }
            for (const t of [ga, gb, g1, g2, ca, cb, c]) t.release();
          }
        }
      }
    } finally {
      gpu.dispose();
    }
  });

  test("a long inner dimension (K = 70,000) is summed completely", async () => {
    const gpu = await make();
    try {
      const k = 70_000;
      const ha = values(2 * k, 11), hb = values(k * 3, 12);
      const a = gpu.upload(ha, [2, k], "f32"), b = gpu.upload(hb, [k, 3], "f32");
      const c = gpu.kernels.matmul(a, b, {});
      const got = await gpu.read(c);
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          let want = 0;
          for (let q = 0; q < k; q++) want += ha[i * k + q]! * hb[q * 3 + j]!;
          assert.ok(Math.abs(got[i * 3 + j]! - want) < 0.05, `c[${i}, ${j}] = ${got[i * 3 + j]}, float64 ${want}`);
        }
      }
      for (const t of [a, b, c]) t.release();
    } finally {
      gpu.dispose();
    }
  });
});
