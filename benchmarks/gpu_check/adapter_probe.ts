/**
 * What the WebGPU adapter is and offers: its info, every limit, its features, and whether a
 * device can actually be requested with each optional feature the kernels could use
 * (`timestamp-query` for timing inside a command buffer, `shader-f16`, `subgroups`).
 * An adapter may list a feature that a device request still refuses, so each is requested.
 * @module
 */

/** The optional features the GPU check asks for one at a time. */
export const PROBED_FEATURES = ["timestamp-query", "shader-f16", "subgroups"] as const;

/** Whether one feature was offered by the adapter and granted to a device. */
export interface FeatureProbe {
  readonly offered: boolean;
  readonly granted: boolean;
  /** Why the request failed, when it was offered but not granted. */
  readonly error?: string;
}

/** The adapter's description. */
export interface AdapterReport {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for a software or otherwise fallback adapter, where the runtime says so. */
  readonly isFallbackAdapter: boolean | null;
  /** Every limit the adapter reports, by name. */
  readonly limits: Readonly<Record<string, number>>;
  /** Every feature the adapter lists, sorted. */
  readonly features: ReadonlyArray<string>;
  readonly probes: Readonly<Record<(typeof PROBED_FEATURES)[number], FeatureProbe>>;
}

/**
 * Describes the high-performance adapter.
 * @throws Error when the runtime has no WebGPU or finds no adapter
 * @example
 * ```ts
 * const a = await probeAdapter();
 * console.log(a.description, a.probes["shader-f16"].granted);
 * ```
 */
export async function probeAdapter(): Promise<AdapterReport> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) throw new Error("probeAdapter: this runtime has no navigator.gpu");
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new Error("probeAdapter: navigator.gpu.requestAdapter() found no adapter");
  const info = adapter.info;
  const features = [...adapter.features].map(String).sort();
  const probes = {} as Record<(typeof PROBED_FEATURES)[number], FeatureProbe>;
  for (const f of PROBED_FEATURES) probes[f] = await probeFeature(adapter, f as GPUFeatureName);
  return {
    vendor: info?.vendor ?? "",
    architecture: info?.architecture ?? "",
    device: info?.device ?? "",
    description: info?.description ?? "",
    isFallbackAdapter: fallbackFlag(adapter),
    limits: limitsOf(adapter.limits),
    features,
    probes,
  };
}

/** The adapter's `isFallbackAdapter` (older spelling) or its info's, where the runtime has either. */
function fallbackFlag(adapter: GPUAdapter): boolean | null {
  const flag = (adapter as { isFallbackAdapter?: unknown }).isFallbackAdapter ??
    (adapter.info as { isFallbackAdapter?: unknown } | undefined)?.isFallbackAdapter;
  return typeof flag === "boolean" ? flag : null;
}

/** Requests a device with `feature` alone, and destroys it. */
async function probeFeature(adapter: GPUAdapter, feature: GPUFeatureName): Promise<FeatureProbe> {
  const offered = adapter.features.has(feature);
  if (!offered) return { offered, granted: false };
  try {
    const device = await adapter.requestDevice({ requiredFeatures: [feature] });
    const granted = device.features.has(feature);
    device.destroy();
    return { offered, granted };
  } catch (e) {
    return { offered, granted: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * The numeric limits of a `GPUSupportedLimits`, whose values are getters on its prototype.
 * @example
 * ```ts
 * limitsOf({ maxBufferSize: 268435456 }); // { maxBufferSize: 268435456 }
 * ```
 */
export function limitsOf(limits: object): Record<string, number> {
  const names = new Set<string>(Object.keys(limits));
  for (let p = Object.getPrototypeOf(limits); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) names.add(k);
  }
  const out: Record<string, number> = {};
  for (const k of [...names].sort()) {
    const v = (limits as Record<string, unknown>)[k];
    if (typeof v === "number") out[k] = v;
  }
  return out;
}
