/**
 * Transpose of the last two dimensions on WebGPU: one invocation per output element of
 * [..., C, R] reads its source in [..., R, C]. A pure copy: no arithmetic, exact.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { FLAT_INDEX, grid1d, WG, wgsl } from "../wgsl.ts";

const TRANSPOSE = wgsl(
  "transpose",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct P { n: u32, rows: u32, cols: u32 }
@group(0) @binding(2) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.n) { return; }
  let plane = p.rows * p.cols;
  let base = (i / plane) * plane;
  let o = i - base; // output [c, r] within the plane
  let c = o / p.rows; let r = o % p.rows;
  y[i] = x[base + r * p.cols + c];
}`,
);

/**
 * The transpose kernel of a WebGPU backend (i32 tensors are moved bit for bit too).
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { transpose } = transposeKernels(await WebGpuBackend.create());
 * ```
 */
export function transposeKernels(bk: WebGpuBackend): Pick<KernelTable, "transpose"> {
  return {
    transpose(x) {
      const s = x.shape;
      const rows = s.length >= 2 ? s[s.length - 2]! : 1, cols = s.length >= 1 ? s[s.length - 1]! : 1;
      const shape = s.length >= 2 ? [...s.slice(0, -2), cols, rows] : s; // rank < 2: a copy, as on CPU
      const out = bk.output(shape, x.dtype);
      const n = x.size;
      if (n > 0) bk.runner.run(TRANSPOSE, { bind: [gpuBuffer(x), gpuBuffer(out)], params: { u: [n, rows, cols] }, groups: grid1d(n) });
      return out;
    },
  };
}
