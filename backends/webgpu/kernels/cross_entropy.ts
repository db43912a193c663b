/**
 * Mean softmax cross-entropy over rows of logits, and its backward. The forward runs one
 * workgroup per row (softmax and the row's loss, through the fixed tree of `rowReduce`),
 * then one workgroup averages the row losses in a fixed order. The backward reads dloss
 * from the device, so no readback is needed between the forward and the backward.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { FLAT_INDEX, grid1d, gridOf, GROUP_INDEX, WG, wgsl } from "../wgsl.ts";
import { byRowLength, F32_LOWEST, rowReduce } from "./rows.ts";

/**
 * probs = softmax(x) per row; rowLoss = log Σ_c exp x[c] − x[label] = max + log s − x[label]
 * (NaN for a label outside [0, C), as on the CPU).
 */
const FORWARD = byRowLength((t) =>
  wgsl(
    `crossEntropy.forward.${t}`,
    /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
@group(0) @binding(3) var<storage, read_write> rowLoss: array<f32>;
struct P { rows: u32, c: u32 }
@group(0) @binding(4) var<uniform> p: P;
${GROUP_INDEX}
${rowReduce(t)}
@compute @workgroup_size(${t})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, ng);
  if (row >= p.rows) { return; }
  let off = row * p.c;
  var m = ${F32_LOWEST};
  for (var j = lid; j < p.c; j += ${t}u) { m = max(m, x[off + j]); }
  m = rowMax(m, lid);
  var s = 0.0;
  for (var j = lid; j < p.c; j += ${t}u) {
    let e = exp(x[off + j] - m);
    probs[off + j] = e;
    s += e;
  }
  s = rowSum(s, lid);
  let inv = 1.0 / s;
  for (var j = lid; j < p.c; j += ${t}u) { probs[off + j] = probs[off + j] * inv; }
  if (lid == 0u) {
    let label = labels[row];
    if (label >= 0 && u32(label) < p.c) {
      rowLoss[row] = m + log(s) - x[off + u32(label)];
    } else {
      var nanBits = 0x7fc00000u;
      rowLoss[row] = bitcast<f32>(nanBits);
    }
  }
}`,
  )
);

/** loss = (1/N) Σ_r rowLoss[r]: one workgroup, each thread a strided slice, then the tree. */
const MEAN = wgsl(
  "crossEntropy.mean",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> rowLoss: array<f32>;
@group(0) @binding(1) var<storage, read_write> loss: array<f32>;
struct P { rows: u32 }
@group(0) @binding(2) var<uniform> p: P;
${rowReduce(WG)}
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var r = lid; r < p.rows; r += ${WG}u) { s += rowLoss[r]; }
  let total = rowSum(s, lid);
  if (lid == 0u) { loss[0] = total / f32(p.rows); }
}`,
);

/** dx[n, c] = (p[n, c] − [c = label_n])·dloss/N, one invocation per element. */
const BACKWARD = wgsl(
  "crossEntropy.backward",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> probs: array<f32>;
@group(0) @binding(1) var<storage, read> labels: array<i32>;
@group(0) @binding(2) var<storage, read> dloss: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
struct P { size: u32, rows: u32, c: u32 }
@group(0) @binding(4) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.size) { return; }
  let g = dloss[0] / f32(p.rows);
  let hot = select(0.0, 1.0, labels[i / p.c] == i32(i % p.c));
  dx[i] = (probs[i] - hot) * g;
}`,
);

/**
 * The cross-entropy kernels of a WebGPU backend.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { crossEntropy } = crossEntropyKernels(await WebGpuBackend.create());
 * ```
 */
export function crossEntropyKernels(
  bk: WebGpuBackend,
): Pick<KernelTable, "crossEntropy" | "crossEntropyBackward"> {
  return {
    crossEntropy(logits, labels) {
      const rows = labels.size, c = rows === 0 ? 0 : logits.size / rows;
      const probs = bk.output(logits.shape, "f32");
      if (rows === 0) return { loss: bk.alloc([1], "f32"), probs };
      const loss = bk.output([1], "f32");
      // Row losses are scratch from the pool: not a live tensor, never seen by the accountant
      const rowLoss = bk.pool.take(rows * 4);
      bk.runner.run(FORWARD(c), {
        bind: [gpuBuffer(logits), gpuBuffer(labels), gpuBuffer(probs), rowLoss],
        params: { u: [rows, c] },
        groups: gridOf(rows),
      });
      bk.runner.run(MEAN, { bind: [rowLoss, gpuBuffer(loss)], params: { u: [rows] }, groups: [1] });
      bk.pool.give(rowLoss);
      return { loss, probs };
    },
    crossEntropyBackward(probs, labels, dloss) {
      const rows = labels.size, c = rows === 0 ? 0 : probs.size / rows;
      const dx = bk.output(probs.shape, "f32");
      const size = rows * c;
      bk.runner.run(BACKWARD, {
        bind: [probs, labels, dloss, dx].map(gpuBuffer),
        params: { u: [size, rows, c] },
        groups: grid1d(size),
      });
      return dx;
    },
  };
}
