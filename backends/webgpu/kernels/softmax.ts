/**
 * Softmax over the last dimension and its backward: one workgroup per row, threads
 * striding over the row and combining through the fixed tree of `rowReduce`, so any row
 * length works and results are bit-identical from call to call.
 * @module
 */
import type { KernelTable, Tensor } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { gridOf, GROUP_INDEX, type KernelSource, wgsl } from "../wgsl.ts";
import { byRowLength, F32_LOWEST, rowReduce, rowsOf } from "./rows.ts";

/** y_j = exp(x_j − max) / Σ_k exp(x_k − max); the exponentials are stored, then scaled. */
const SOFTMAX = byRowLength((t) =>
  wgsl(
    `softmax.forward.${t}`,
    /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct P { rows: u32, n: u32 }
@group(0) @binding(2) var<uniform> p: P;
${GROUP_INDEX}
${rowReduce(t)}
@compute @workgroup_size(${t})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, ng);
  if (row >= p.rows) { return; }
  let off = row * p.n;
  var m = ${F32_LOWEST};
  for (var j = lid; j < p.n; j += ${t}u) { m = max(m, x[off + j]); }
  m = rowMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < p.n; j += ${t}u) {
    let e = exp(x[off + j] - m);
    y[off + j] = e;
    s += e;
  }
  let inv = 1.0 / rowSum(s, lid);
  for (var j = lid; j < p.n; j += ${t}u) { y[off + j] = y[off + j] * inv; }
}`,
  )
);

/** dx = y ⊙ (dy − Σ_j dy_j·y_j). */
const SOFTMAX_BACKWARD = byRowLength((t) =>
  wgsl(
    `softmax.backward.${t}`,
    /* wgsl */ `
@group(0) @binding(0) var<storage, read> y: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
struct P { rows: u32, n: u32 }
@group(0) @binding(3) var<uniform> p: P;
${GROUP_INDEX}
${rowReduce(t)}
@compute @workgroup_size(${t})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, ng);
  if (row >= p.rows) { return; }
  let off = row * p.n;
  var d = 0.0;
  for (var j = lid; j < p.n; j += ${t}u) { d += dy[off + j] * y[off + j]; }
  let dot = rowSum(d, lid);
  for (var j = lid; j < p.n; j += ${t}u) { dx[off + j] = y[off + j] * (dy[off + j] - dot); }
}`,
  )
);

/**
 * The softmax kernels of a WebGPU backend.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { softmax } = softmaxKernels(await WebGpuBackend.create());
 * ```
 */
export function softmaxKernels(bk: WebGpuBackend): Pick<KernelTable, "softmax" | "softmaxBackward"> {
  const perRow = (kernel: (n: number) => KernelSource, inputs: Tensor[]): Tensor => {
    const like = inputs[0]!;
    const out = bk.output(like.shape, "f32");
    const { rows, n } = rowsOf(like.shape);
    bk.runner.run(kernel(n), {
      bind: [...inputs.map(gpuBuffer), gpuBuffer(out)],
      params: { u: [rows, n] },
      groups: gridOf(rows),
    });
    return out;
  };
  return {
    softmax: (x) => perRow(SOFTMAX, [x]),
    softmaxBackward: (y, dy) => perRow(SOFTMAX_BACKWARD, [y, dy]),
  };
}
