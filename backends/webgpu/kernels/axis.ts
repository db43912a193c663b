/**
 * Sums over one axis and its adjoint, the broadcast along one axis, with the tensor viewed as
 * [outer, mid, inner] around the axis. One invocation per output element; the sum runs over
 * mid in ascending order, so it is bit-stable.
 * @module
 */
import { type KernelTable, reducedShape, type Shape, sizeOf } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { FLAT_INDEX, grid1d, WG, wgsl } from "../wgsl.ts";

const SUM_AXIS = wgsl(
  "axis.sum",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct P { n: u32, mid: u32, inner: u32 }
@group(0) @binding(2) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let j = flat(gid, ng);
  if (j >= p.n) { return; }
  let o = j / p.inner;
  let i = j % p.inner;
  var s = 0.0;
  for (var m = 0u; m < p.mid; m++) { s += x[(o * p.mid + m) * p.inner + i]; }
  out[j] = s;
}`,
);

const BROADCAST_AXIS = wgsl(
  "axis.broadcast",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct P { n: u32, mid: u32, inner: u32 }
@group(0) @binding(2) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let j = flat(gid, ng);
  if (j >= p.n) { return; }
  out[j] = x[(j / (p.mid * p.inner)) * p.inner + j % p.inner];
}`,
);

/** Elements along and after `axis`. */
function midInner(shape: Shape, axis: number): [number, number] {
  return [shape[axis]!, sizeOf(shape.slice(axis + 1))];
}

/**
 * `sumAxis` and `broadcastAxis` of a WebGPU backend.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { sumAxis } = axisKernels(await WebGpuBackend.create());
 * ```
 */
export function axisKernels(bk: WebGpuBackend): Pick<KernelTable, "sumAxis" | "broadcastAxis"> {
  return {
    sumAxis(x, axis) {
      const out = bk.output(reducedShape(x.shape, axis), "f32");
      bk.runner.run(SUM_AXIS, {
        bind: [gpuBuffer(x), gpuBuffer(out)],
        params: { u: [out.size, ...midInner(x.shape, axis)] },
        groups: grid1d(out.size),
      });
      return out;
    },
    broadcastAxis(x, shape, axis) {
      const out = bk.output(shape, "f32");
      bk.runner.run(BROADCAST_AXIS, {
        bind: [gpuBuffer(x), gpuBuffer(out)],
        params: { u: [out.size, ...midInner(shape, axis)] },
        groups: grid1d(out.size),
      });
      return out;
    },
  };
}
