import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { BackendUnavailable } from "@remat/core";
import { CpuBackend } from "./cpu_backend.ts";
import { hardwareThreads } from "./gemm/wasm_kernel.ts";
import { loadOpenBlas } from "./gemm/native_blas.ts";

const bits = (a: Float32Array | Int32Array) => new Uint32Array(a.slice().buffer);
const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * 2);

/** OpenBLAS here, or why not; CI installs it (libopenblas0-pthread), so there it must load. */
const available = (() => {
  try {
    return loadOpenBlas();
  } catch (e) {
    if (process.env.CI === "true") throw e;
    return e as BackendUnavailable;
  }
})();

test('gemm: "openblas" loads a system OpenBLAS, or says what is missing', () => {
  assert.throws(
    () => loadOpenBlas(["/nonexistent/libopenblas.so.0"]),
    (e: unknown) =>
      e instanceof BackendUnavailable && /no OpenBLAS library found/.test(e.message) &&
      /apt-get install libopenblas0-pthread/.test(e.message),
  );
  assert.throws(
    () => new CpuBackend({ gemm: "mkl" as never }),
    /invalid gemm: got "mkl"; expected "wasm" or "openblas"/,
  );
  if (available instanceof BackendUnavailable) {
    assert.throws(() => new CpuBackend({ gemm: "openblas" }), BackendUnavailable);
    return;
  }
  assert.match(available.config, /OpenBLAS/);
  assert.match(new CpuBackend({ gemm: "openblas" }).device, /OpenBLAS gemm/);
});

test("OpenBLAS products give the same bits on one thread and on all, and agree with the WebAssembly kernel to rounding", async () => {
  if (available instanceof BackendUnavailable) return; // outside CI without the library (message above)
  const one = new CpuBackend({ gemm: "openblas", threads: 1 });
  const all = new CpuBackend({ gemm: "openblas", threads: hardwareThreads });
  const wasm = new CpuBackend({ threads: 1 });
  for (
    const [m, n, k, transA, transB] of [
      [64, 1024, 256, false, false],
      [256, 1024, 64, true, false],
      [64, 256, 1024, false, true],
      [131, 77, 300, true, true],
      [512, 512, 512, false, false],
      [1, 300, 7, false, false],
    ] as const
  ) {
    const a = values(m * k, m), b = values(k * n, n);
    const aShape = transA ? [k, m] : [m, k], bShape = transB ? [n, k] : [k, n];
    const run = async (bk: CpuBackend) =>
      await bk.read(
        bk.kernels.matmul(bk.upload(a, aShape, "f32"), bk.upload(b, bShape, "f32"), { transA, transB }),
      );
    const where = `${m}×${k} · ${k}×${n}, transA ${transA}, transB ${transB}`;
    const got = await run(all);
    assert.deepEqual(bits(got), bits(await run(one)), where);
    const ref = await run(wasm);
    for (let i = 0; i < got.length; i++) {
      assert.ok(
        Math.abs(got[i]! - ref[i]!) <= 1e-4 * Math.sqrt(k) * (1 + Math.abs(ref[i]!)),
        `${where} [${i}]`,
      );
    }
  }
});
