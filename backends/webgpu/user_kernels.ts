/**
 * User-defined kernels on WebGPU: the user's WGSL `fn element(i: u32) -> f32` wrapped in a
 * compute shader with this backend's conventions (inputs `in0`, `in1`, … at bindings 0..k−1,
 * `out` at k, the uniforms `p` at k+1), one invocation per output element. Shaders are built
 * once per kernel and input dtypes.
 * @module
 */
import { MissingKernel, type Tensor, type UserKernel, type UserKernelCall } from "@remat/core";
import { FLAT_INDEX, grid1d, type KernelSource, WG, wgsl } from "./wgsl.ts";

const SOURCES = new WeakMap<UserKernel, Map<string, KernelSource>>();

/**
 * The compute shader running `kernel` on inputs of these dtypes.
 * @throws MissingKernel when the kernel has no WGSL
 * @example
 * ```ts
 * const source = userKernelSource(square, ["f32"]);
 * ```
 */
export function userKernelSource(kernel: UserKernel, dtypes: ReadonlyArray<string>): KernelSource {
  if (kernel.wgsl === undefined) {
    throw new MissingKernel({
      kernel: kernel.name,
      backend: "webgpu",
      reason: "it has a cpu implementation only; give defineKernel a wgsl source, or run on the cpu backend",
    });
  }
  const signature = dtypes.join(",");
  let byDtypes = SOURCES.get(kernel);
  if (!byDtypes) SOURCES.set(kernel, byDtypes = new Map());
  let source = byDtypes.get(signature);
  if (!source) {
    const k = dtypes.length;
    source = wgsl(
      `user.${kernel.name}`,
      /* wgsl */ `
${dtypes.map((d, j) => `@group(0) @binding(${j}) var<storage, read> in${j}: array<${d}>;`).join("\n")}
@group(0) @binding(${k}) var<storage, read_write> out: array<f32>;
struct P { n: u32, u0: u32, u1: u32, u2: u32, u3: u32, f0: f32, f1: f32, f2: f32, f3: f32 }
@group(0) @binding(${k + 1}) var<uniform> p: P;
${FLAT_INDEX}
${kernel.wgsl}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.n) { return; }
  out[i] = element(i);
}`,
    );
    byDtypes.set(signature, source);
  }
  return source;
}

/**
 * The uniforms of one call: n, four u32 and four f32 values (missing ones 0).
 * @example
 * ```ts
 * userKernelParams(10, { shape: [10], ints: [3] }); // { u: [10, 3, 0, 0, 0], f: [0, 0, 0, 0] }
 * ```
 */
export function userKernelParams(n: number, call: UserKernelCall): { u: number[]; f: number[] } {
  const ints = call.ints ?? [], floats = call.floats ?? [];
  return {
    u: [n, ...[0, 1, 2, 3].map((j) => ints[j] ?? 0)],
    f: [0, 1, 2, 3].map((j) => floats[j] ?? 0),
  };
}

/** The workgroup grid of a call over `out`. */
export function userKernelGroups(out: Tensor): [number, number] {
  return grid1d(out.size);
}
