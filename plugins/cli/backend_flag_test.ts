import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "./args.ts";
import { backendChoice, cpuChoice } from "./backend_flag.ts";

test("--backend defaults to cpu and refuses unknown names", () => {
  assert.equal(backendChoice({}), "cpu");
  assert.equal(backendChoice({ backend: "auto" }), "auto");
  assert.throws(
    () => backendChoice({ backend: "tpu" }),
    (e) => e instanceof UsageError && /got "tpu"/.test(e.message),
  );
});

test("--gemm and --threads become the CPU backend's options; bad values are usage errors", () => {
  assert.deepEqual(cpuChoice({}), {});
  assert.deepEqual(cpuChoice({ gemm: "openblas" }), { cpu: { gemm: "openblas" } });
  assert.deepEqual(cpuChoice({ gemm: "wasm", threads: "2" }), { cpu: { gemm: "wasm", threads: 2 } });
  assert.throws(
    () => cpuChoice({ gemm: "blas" }),
    (e) => e instanceof UsageError && e.message === '--gemm: got "blas"; expected wasm or openblas',
  );
  for (const bad of ["0", "1.5", "x"]) {
    assert.throws(
      () => cpuChoice({ threads: bad }),
      (e) => e instanceof UsageError && /--threads/.test(e.message),
    );
  }
});
