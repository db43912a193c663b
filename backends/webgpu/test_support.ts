/**
 * How the WebGPU test files get a device. One device is shared by every backend a test
 * file builds (creating devices is slow on a software adapter). Where there is no adapter
 * the suites are not silently skipped under CI: a failing test says so. Under a runtime
 * without WebGPU (Bun) the file checks instead that asking for the backend is the typed
 * `BackendUnavailable` error.
 * @module
 */
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { BackendUnavailable } from "@remat/core";
import { type GpuContext, hasWebGpu, requestGpu } from "./device.ts";
import { WebGpuBackend } from "./webgpu_backend.ts";

let shared: Promise<GpuContext | BackendUnavailable> | undefined;

/** The shared device, or why there is none. */
export function sharedGpu(): Promise<GpuContext | BackendUnavailable> {
  return shared ??= requestGpu().catch((e) => {
    if (e instanceof BackendUnavailable) return e;
    throw e;
  });
}

/** A fresh backend on the shared device (its `dispose` leaves the device alive). */
export async function makeWebGpuBackend(): Promise<WebGpuBackend> {
  const gpu = await sharedGpu();
  if (gpu instanceof BackendUnavailable) throw gpu;
  return new WebGpuBackend(gpu);
}

/**
 * Registers `register(make)` when an adapter exists; otherwise one test that fails under
 * `CI=true` (a missing adapter must not pass as a skip there) and is skipped elsewhere, or,
 * in a runtime without WebGPU, a test of the typed error.
 * @param what the suites' subject, for the fallback test's name
 */
export async function withWebGpu(
  what: string,
  register: (make: () => Promise<WebGpuBackend>) => void,
): Promise<void> {
  if (!hasWebGpu()) {
    test(`${what}: this runtime has no WebGPU, and WebGpuBackend.create says so with BackendUnavailable`, async () => {
      await assert.rejects(() => WebGpuBackend.create(), (e: unknown) => {
        assert.ok(e instanceof BackendUnavailable, `expected BackendUnavailable, got ${String(e)}`);
        assert.match(e.message, /navigator\.gpu/);
        return true;
      });
    });
    return;
  }
  const gpu = await sharedGpu();
  if (gpu instanceof BackendUnavailable) {
    if (process.env.CI === "true") {
      test(`${what}: a WebGPU adapter is required under CI=true`, () => assert.fail(gpu.message));
    } else {
      test(`${what}: no WebGPU adapter here`, { skip: gpu.message }, () => {});
    }
    return;
  }
  register(makeWebGpuBackend);
}
