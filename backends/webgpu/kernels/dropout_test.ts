/**
 * The WebGPU dropout mask is the CPU backend's bit for bit: the WGSL port of the
 * counter-based generator must agree with `core/random.ts` on every element, for several
 * keys (including ones with the top bit set) and drop probabilities.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CpuBackend } from "@remat/cpu";
import type { Backend, Tensor } from "@remat/core";
import { withWebGpu } from "../test_support.ts";

const N = 5000;
const KEYS = [0, 1, 42, 0x9e3779b9, 0xdecafbad, 0xffffffff];
const PS = [1e-9, 0.1, 0.3, 0.5, 0.9, 0.999999];

/** Host values in [0.5, 1.5) (never zero, so a zero output means a dropped element). */
function values(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 0.5 + ((i * 7919) % 1000) / 1000;
  return x;
}

/** The kept elements (output ≠ 0) of `dropout` or `dropoutBackward` on `bk`. */
async function mask(
  bk: Backend,
  which: "dropout" | "dropoutBackward",
  x: Float32Array,
  p: number,
  key: number,
) {
  const input: Tensor = bk.upload(x, [x.length], "f32");
  const y = bk.kernels[which](input, p, key);
  const out = await bk.read(y);
  input.release();
  y.release();
  return { kept: Uint8Array.from(out, (v) => (v !== 0 ? 1 : 0)), out };
}

await withWebGpu("dropout mask (webgpu)", (make) => {
  test("the WebGPU dropout mask equals the CPU backend's bit for bit", async () => {
    const gpu = await make(), cpu = new CpuBackend(), x = values(N);
    try {
      for (const which of ["dropout", "dropoutBackward"] as const) {
        for (const key of KEYS) {
          for (const p of PS) {
            const g = await mask(gpu, which, x, p, key), c = await mask(cpu, which, x, p, key);
            const what = `${which} key=${key} p=${p}`;
            for (let i = 0; i < N; i++) {
              if (g.kept[i] !== c.kept[i]) {
                assert.fail(`${what}: element ${i} kept ${g.kept[i]} on WebGPU, ${c.kept[i]} on CPU`);
              }
              const tol = 1e-6 * Math.abs(c.out[i]!);
              if (Math.abs(g.out[i]! - c.out[i]!) > tol) {
                assert.fail(`${what}: element ${i} is ${g.out[i]}, CPU ${c.out[i]}`);
              }
            }
          }
        }
      }
    } finally {
      gpu.dispose();
      cpu.dispose();
    }
  });

  test("p = 0 copies, p = 1 zeros, and an empty tensor is fine", async () => {
    const gpu = await make(), x = values(300);
    try {
      assert.deepEqual((await mask(gpu, "dropout", x, 0, 7)).out, x);
      assert.deepEqual((await mask(gpu, "dropout", x, 1, 7)).out, new Float32Array(300));
      assert.equal((await mask(gpu, "dropout", new Float32Array(0), 0.5, 7)).out.length, 0);
    } finally {
      gpu.dispose();
    }
  });
});
