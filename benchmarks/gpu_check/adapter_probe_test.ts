import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { limitsOf, probeAdapter, PROBED_FEATURES } from "./adapter_probe.ts";

test("limitsOf reads the numeric getters of a limits object's prototype, sorted, and its own keys", () => {
  class Limits {
    get maxBufferSize() {
      return 256;
    }
    get label() {
      return "not a limit";
    }
  }
  const limits = Object.assign(new Limits(), { maxComputeWorkgroupSizeX: 64 });
  assert.deepEqual(limitsOf(limits), { maxBufferSize: 256, maxComputeWorkgroupSizeX: 64 });
});

const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
if (!gpu) {
  test("probeAdapter says so when the runtime has no navigator.gpu", async () => {
    await assert.rejects(() => probeAdapter(), /this runtime has no navigator\.gpu/);
  });
} else {
  test("probeAdapter describes the adapter, its limits and the three optional features", async (t) => {
    if (!(await gpu.requestAdapter())) {
      if (process.env.CI === "true") assert.fail("a WebGPU adapter is required under CI=true");
      t.skip("no WebGPU adapter here");
      return;
    }
    const a = await probeAdapter();
    assert.ok(a.limits.maxBufferSize! > 0 && a.limits.maxComputeWorkgroupStorageSize! > 0);
    assert.deepEqual(Object.keys(a.probes), [...PROBED_FEATURES]);
    for (const [f, p] of Object.entries(a.probes)) {
      assert.equal(p.offered, a.features.includes(f), f);
      if (!p.offered) assert.equal(p.granted, false, `${f} granted without being offered`);
    }
    assert.deepEqual([...a.features].sort(), a.features);
  });
}
