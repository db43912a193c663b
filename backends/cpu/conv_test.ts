import assert from "node:assert/strict";
import { test } from "node:test";
import { conv2dRef } from "@remat/conformance";
import { convGeometry } from "@remat/core";
import { CpuBackend, f32 } from "./cpu_backend.ts";
import { convKernels } from "./conv.ts";

/** Deterministic values in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}

test("conv2d sums each output's taps in the documented order: bit-identical to the float64 reference rounded once", () => {
  const bk = new CpuBackend();
  const { conv2d } = convKernels(bk);
  const geometries = [
    { stride: 1, padding: 1, dilation: 1 },
    { stride: 2, padding: 1, dilation: 1 },
    { stride: 3, padding: 2, dilation: 2 },
    { stride: 1, padding: 0, dilation: 3 },
  ];
  for (const [index, geometry] of geometries.entries()) {
    const g = convGeometry(geometry);
    const xShape = [2, 3, 9, 7], wShape = [4, 3, 3, 3];
    const x = bk.upload(values(2 * 3 * 9 * 7, 11 + index), xShape, "f32");
    const w = bk.upload(values(4 * 3 * 3 * 3, 29 + index), wShape, "f32");
    const got = conv2d(x, w, g);
    // the float64 reference sums each output's taps in the documented order; rounded once to f32
    const want = Float32Array.from(
      conv2dRef(Float64Array.from(f32(x)), xShape, Float64Array.from(f32(w)), wShape, g),
    );
    assert.equal(got.size, want.length);
    assert.deepEqual(
      new Uint32Array(f32(got).slice().buffer),
      new Uint32Array(want.buffer),
      `geometry ${JSON.stringify(geometry)}`,
    );
  }
});
