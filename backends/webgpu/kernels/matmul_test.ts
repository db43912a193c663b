/**
 * Matmul shapes the shared suites' small dimensions miss: M, N and K on both sides of the
 * 64- and 128-wide tiles and of the K-slices, for both tile sizes and every operand layout,
 * against the CPU backend; bit-identical repeated products; and the tile choice.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Tensor } from "@remat/core";
import { KERNEL_AGREEMENT_TOL } from "@remat/conformance";
import { CpuBackend } from "@remat/cpu";
import { withWebGpu } from "../test_support.ts";
import { matmulKernels, type MatmulTile, matmulTile } from "./matmul.ts";

/** Deterministic values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = 2 * (s / 2 ** 32) - 1;
  }
  return out;
}

/** Dimensions around the tile and slice edges (1, 15/17 around 16, 63/65 around 64, 130 past 128). */
const DIMS = [1, 15, 17, 63, 65, 130];
/** Every dimension in every position: (d_i, d_{i+1}, d_{i+3}) and (d_i, d_{i+2}, d_{i+5}). */
const SHAPES = DIMS.flatMap((m, i) =>
  [
    [m, DIMS[(i + 1) % 6]!, DIMS[(i + 3) % 6]!],
    [m, DIMS[(i + 2) % 6]!, DIMS[(i + 5) % 6]!],
  ] as const
);
const LAYOUTS = [[false, false], [false, true], [true, false], [true, true]] as const;

/** One product's operands, in their stored layouts. */
interface Case {
  readonly what: string;
  readonly m: number;
  readonly n: number;
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly aShape: number[];
  readonly bShape: number[];
  readonly transA: boolean;
  readonly transB: boolean;
}

const cases: Case[] = SHAPES.flatMap(([m, n, k], i) =>
  LAYOUTS.map(([transA, transB], j) => ({
    what: `[${m}×${k}]·[${k}×${n}] transA=${transA} transB=${transB}`,
    m,
    n,
    a: values(m * k, 2 * (4 * i + j) + 1),
    b: values(k * n, 2 * (4 * i + j) + 2),
    aShape: transA ? [k, m] : [m, k],
    bShape: transB ? [n, k] : [k, n],
    transA,
    transB,
  }))
);

/** Every case's product on the CPU. */
async function cpuProducts(): Promise<Array<Float32Array | Int32Array>> {
  const cpu = new CpuBackend();
  const out: Array<Float32Array | Int32Array> = [];
  for (const c of cases) {
    const a = cpu.upload(c.a, c.aShape, "f32"), b = cpu.upload(c.b, c.bShape, "f32");
    const t = cpu.kernels.matmul(a, b, { transA: c.transA, transB: c.transB });
    out.push(await cpu.read(t));
    for (const x of [a, b, t]) x.release();
  }
  return out;
}

await withWebGpu("matmul tiles (webgpu)", (make) => {
  const want = cpuProducts();

  for (const tile of [64, 128] as const satisfies ReadonlyArray<MatmulTile>) {
    test(`${tile}-wide tiles agree with the CPU across tile and slice edges, and repeat bit for bit`, async () => {
      const gpu = await make();
      const { matmul } = matmulKernels(gpu, { tile });
      const inputs: Tensor[] = [];
      const product = () =>
        cases.map((c) => {
          const a = gpu.upload(c.a, c.aShape, "f32"), b = gpu.upload(c.b, c.bShape, "f32");
          inputs.push(a, b);
          return matmul(a, b, { transA: c.transA, transB: c.transB });
        });
      try {
        const expected = await want;
        const first = product(), second = product();
        const got = await gpu.readMany([...first, ...second]);
        for (const t of [...first, ...second, ...inputs]) t.release();
        cases.forEach((c, i) => {
          assert.deepEqual([...first[i]!.shape], [c.m, c.n], `${c.what}: shape`);
          const g = got[i]!, w = expected[i]!;
          assert.equal(g.length, c.m * c.n, `${c.what}: length`);
          assert.equal(w.length, c.m * c.n, `${c.what}: CPU length`);
          let scale = 1;
          for (const v of w) scale = Math.max(scale, Math.abs(v));
          for (let j = 0; j < w.length; j++) {
            const tol = KERNEL_AGREEMENT_TOL.abs * scale + KERNEL_AGREEMENT_TOL.rel * Math.abs(w[j]!);
            if (!(Math.abs(g[j]! - w[j]!) <= tol)) assert.fail(`${c.what}: c[${j}] = ${g[j]}, CPU ${w[j]}`);
          }
          assert.deepEqual(
            new Uint32Array(got[cases.length + i]!.buffer),
            new Uint32Array(g.buffer),
            `${c.what}: a repeated product differs in its bits`,
          );
        });
        assert.equal(gpu.memory.report().live.temporary, 0, "live bytes after release");
      } finally {
        gpu.dispose();
      }
    });
  }

  test("a long inner dimension (K = 70,000, past llvmpipe's 65,535-iteration loop cap) is summed completely", async () => {
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
          assert.ok(
            Math.abs(got[i * 3 + j]! - want) < 0.05,
            `c[${i}, ${j}] = ${got[i * 3 + j]}, float64 ${want}`,
          );
        }
      }
      for (const t of [a, b, c]) t.release();
    } finally {
      gpu.dispose();
    }
  });

  test("a leading batch dimension of a folds into rows, as on the CPU", async () => {
    const gpu = await make();
    try {
      const a = gpu.upload(values(2 * 3 * 5, 7), [2, 3, 5], "f32"),
        b = gpu.upload(values(5 * 4, 8), [5, 4], "f32");
      const c = gpu.kernels.matmul(a, b, {});
      assert.deepEqual([...c.shape], [6, 4]);
      const cpu = new CpuBackend();
      const ca = cpu.upload(values(30, 7), [2, 3, 5], "f32"), cb = cpu.upload(values(20, 8), [5, 4], "f32");
      const w = await cpu.read(cpu.kernels.matmul(ca, cb, {}));
      const g = await gpu.read(c);
      for (let j = 0; j < 24; j++) {
        assert.ok(Math.abs(g[j]! - w[j]!) <= 1e-5, `c[${j}] = ${g[j]}, CPU ${w[j]}`);
      }
      for (const t of [a, b, c]) t.release();
    } finally {
      gpu.dispose();
    }
  });
});

test("large tiles only for products with enough of them to fill a GPU", () => {
  assert.equal(matmulTile(4096, 4096), 128);
  assert.equal(matmulTile(2048, 2048), 128);
  assert.equal(matmulTile(1024, 1024), 64);
  assert.equal(matmulTile(64, 1024), 64);
  assert.equal(matmulTile(1, 1), 64);
});
