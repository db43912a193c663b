import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { BackendUnavailable } from "@remat/core";
import { bitsOf, describeCase, PRODUCT_CASES, productOn } from "./_products.ts";
import { CpuBackend } from "./cpu_backend.ts";
import { hardwareThreads } from "./gemm/wasm_kernel.ts";
import { loadOpenBlas } from "./gemm/native_blas.ts";

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
  for (const c of PRODUCT_CASES) {
    const got = await productOn(all, c);
    assert.deepEqual(bitsOf(got), bitsOf(await productOn(one, c)), describeCase(c));
    const ref = await productOn(wasm, c);
    for (let i = 0; i < got.length; i++) {
      const bound = 1e-4 * Math.sqrt(c.k) * (1 + Math.abs(ref[i]!));
      assert.ok(Math.abs(got[i]! - ref[i]!) <= bound, `${describeCase(c)} [${i}]`);
    }
  }
});
