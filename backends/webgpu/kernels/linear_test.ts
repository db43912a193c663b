/**
 * The fused linear kernel at both tile sizes, on shapes across the tile and slice edges: its
 * outputs must be the bits of matmul (same tile) → biasAdd → activation, and its z (gelu) the
 * bits of matmul → biasAdd. The shared conformance suite covers the default tile on small shapes.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Activation, Tensor } from "@remat/core";
import { withWebGpu } from "../test_support.ts";
import { linearKernels } from "./linear.ts";
import { matmulKernels, type MatmulTile } from "./matmul.ts";

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 22695477) + 1) >>> 0;
    out[i] = 2 * (s / 2 ** 32) - 1;
  }
  return out;
}

/** (M, N, K) on both sides of 64 and 128 and of the 8- and 16-deep K-slices. */
const SHAPES = [[1, 1, 1], [63, 130, 17], [130, 65, 15], [65, 63, 130], [129, 7, 8]] as const;
const ACTIVATIONS: ReadonlyArray<Activation> = ["none", "relu", "gelu"];

await withWebGpu("fused linear tiles (webgpu)", (make) => {
  for (const tile of [64, 128] as const satisfies ReadonlyArray<MatmulTile>) {
    test(`${tile}-wide tiles: linear is matmul → biasAdd → activation bit for bit`, async () => {
      const gpu = await make();
      const { matmul } = matmulKernels(gpu, { tile });
      const { linear } = linearKernels(gpu, { tile });
      const held: Tensor[] = [];
      const keep = <T extends Tensor>(t: T): T => (held.push(t), t);
      try {
        const checks: Array<{ what: string; got: Tensor; want: Tensor }> = [];
        SHAPES.forEach(([m, n, k], i) => {
          const x = keep(gpu.upload(values(m * k, 3 * i + 1), [m, k], "f32"));
          const w = keep(gpu.upload(values(k * n, 3 * i + 2), [k, n], "f32"));
          const b = keep(gpu.upload(values(n, 3 * i + 3), [n], "f32"));
          const z = keep(gpu.kernels.biasAdd(keep(matmul(x, w, {})), b));
          for (const act of ACTIVATIONS) {
            const what = `[${m}×${k}]·[${k}×${n}] ${act}`;
            const out = linear(x, w, b, act);
            keep(out.y);
            const want = act === "relu"
              ? keep(gpu.kernels.relu(z))
              : act === "gelu"
              ? keep(gpu.kernels.gelu(z))
              : z;
            checks.push({ what: `${what} y`, got: out.y, want });
            assert.equal(out.z === null, act !== "gelu", `${what}: z only for gelu`);
            if (out.z !== null) checks.push({ what: `${what} z`, got: keep(out.z), want: z });
          }
        });
        const read = await gpu.readMany(checks.flatMap((c) => [c.got, c.want]));
        checks.forEach((c, i) => {
          const got = new Uint32Array(read[2 * i]!.buffer), want = new Uint32Array(read[2 * i + 1]!.buffer);
          assert.equal(got.length, want.length, `${c.what}: length`);
          for (let j = 0; j < want.length; j++) {
            if (got[j] !== want[j]) {
              assert.fail(`${c.what}: element ${j} has bits ${got[j]}, unfused ${want[j]}`);
            }
          }
        });
      } finally {
        for (const t of held) t.release();
        assert.equal(gpu.memory.report().live.temporary, 0, "live bytes after release");
        gpu.dispose();
      }
    });
  }
});
