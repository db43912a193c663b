/**
 * A job with `backend: "webgpu"` through the service. Where the runtime has WebGPU (Deno,
 * with a software adapter in CI) it trains there and releases every GPU buffer; where it has
 * none (Bun) the job fails with BackendUnavailable saying so. Neither case is skipped.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { hasWebGpu } from "@remat/webgpu";
import { jsonRequest, tempService, tinyJob, waitForJob } from "./test_support.ts";

test(`a webgpu job ${hasWebGpu() ? "trains on the adapter and releases its buffers" : "fails with BackendUnavailable (no WebGPU here)"}`, async () => {
  const s = await tempService();
  try {
    const res = await s.app.request(
      "/v1/jobs",
      jsonRequest("POST", tinyJob({ steps: 3, backend: "webgpu", strategy: { name: "sqrt" } })),
    );
    assert.equal(res.status, 202);
    const job = await res.json() as { id: string };
    const done = await waitForJob((u) => s.app.request(u), job.id, 120_000);
    if (hasWebGpu()) {
      assert.equal(done.state, "succeeded", JSON.stringify(done.error));
      assert.match(String(done.device), /WebGPU/);
      assert.ok(Number.isFinite(done.lastLoss));
      assert.equal(s.runner.liveBytes(), 0, "GPU buffers released (pooled bytes are not live)");
    } else {
      assert.equal(done.state, "failed");
      assert.equal(done.error.tag, "BackendUnavailable");
      assert.match(done.error.message, /webgpu/i);
    }
  } finally {
    await s.done();
  }
});
