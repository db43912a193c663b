/**
 * Acquiring a WebGPU device: the adapter's own limits are requested (the defaults cap a
 * storage binding at 128–256 MiB), a missing adapter is a typed `BackendUnavailable` that
 * says why and how to get one, and in Effect code the device is a scoped resource that is
 * destroyed on completion, failure or interruption.
 * @module
 */
import { BackendUnavailable } from "@remat/core";
import { Effect, type Scope } from "effect";

/** An adapter and the device requested from it. */
export interface GpuContext {
  /** The adapter the device was requested from. */
  readonly adapter: GPUAdapter;
  /** The device. */
  readonly device: GPUDevice;
  /** Human name of the adapter, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  readonly adapterName: string;
}

/** Options for {@link requestGpu}. */
export interface RequestGpuOptions {
  /** Passed to `requestAdapter`. Default "high-performance". */
  readonly powerPreference?: GPUPowerPreference;
}

const HINT = "Run under Deno (navigator.gpu is built in) on a machine with a GPU driver, or install a " +
  "software adapter: `apt-get install mesa-vulkan-drivers libvulkan1` (lavapipe); or use --backend cpu";

/**
 * The adapter's name from its info, falling back to its vendor.
 *
 * @example
 * ```ts
 * import { adapterName } from "@remat/webgpu";
 * const adapter = await navigator.gpu.requestAdapter();
 * if (adapter) console.log(adapterName(adapter)); // e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
 * ```
 */
export function adapterName(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info?.description, info?.device, info?.architecture].filter((s) =>
    typeof s === "string" && s.length > 0
  );
  return parts[0] ?? `adapter of vendor ${info?.vendor || "unknown"}`;
}

/**
 * True when this runtime exposes WebGPU at all (Deno does; Bun and Node do not).
 *
 * @example
 * ```ts
 * import { hasWebGpu } from "@remat/webgpu";
 * const backend = hasWebGpu() ? "webgpu" : "cpu";
 * ```
 */
export function hasWebGpu(): boolean {
  return typeof navigator !== "undefined" && typeof (navigator as { gpu?: unknown }).gpu === "object" &&
    (navigator as { gpu?: unknown }).gpu !== null;
}

/**
 * Requests an adapter and a device with the adapter's maximal buffer limits.
 * @throws BackendUnavailable when the runtime has no WebGPU or no adapter is found
 * @example
 * ```ts
 * const { device, adapterName } = await requestGpu();
 * console.log(adapterName);
 * device.destroy();
 * ```
 */
export async function requestGpu(options: RequestGpuOptions = {}): Promise<GpuContext> {
  if (!hasWebGpu()) {
    throw new BackendUnavailable({
      backend: "webgpu",
      reason: "this runtime has no navigator.gpu",
      hint: HINT,
    });
  }
  let adapter: GPUAdapter | null;
  try {
    adapter = await navigator.gpu.requestAdapter({
      powerPreference: options.powerPreference ?? "high-performance",
    });
  } catch (e) {
    throw new BackendUnavailable({
      backend: "webgpu",
      reason: `requestAdapter failed: ${String(e)}`,
      hint: HINT,
    });
  }
  if (adapter === null) {
    throw new BackendUnavailable({
      backend: "webgpu",
      reason: "navigator.gpu.requestAdapter() found no adapter",
      hint: HINT,
    });
  }
  const limits = adapter.limits;
  try {
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
    return { adapter, device, adapterName: adapterName(adapter) };
  } catch (e) {
    throw new BackendUnavailable({
      backend: "webgpu",
      reason: `requestDevice failed: ${String(e)}`,
      hint: HINT,
    });
  }
}

/**
 * The device as a scoped resource: acquired with {@link requestGpu}, destroyed when the
 * scope closes, whether the work in it succeeded, failed or was interrupted.
 * @example
 * ```ts
 * import { Effect } from "effect";
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const gpu = yield* acquireGpu();
 *   return gpu.adapterName;
 * }));
 * ```
 */
export function acquireGpu(
  options: RequestGpuOptions = {},
): Effect.Effect<GpuContext, BackendUnavailable, Scope.Scope> {
  return Effect.acquireRelease(
    Effect.tryPromise({
      try: () => requestGpu(options),
      catch: (e) =>
        e instanceof BackendUnavailable
          ? e
          : new BackendUnavailable({ backend: "webgpu", reason: String(e), hint: HINT }),
    }),
    (gpu) => Effect.sync(() => gpu.device.destroy()),
  );
}
