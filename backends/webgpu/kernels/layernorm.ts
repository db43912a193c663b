/**
 * Layer normalisation over the last dimension and its backward. Row statistics and dx use
 * one workgroup per row (the fixed tree of `rowReduce`); dγ and dβ are column sums over
 * rows, blocked as in `columnSum`. The variance is two-pass, as on the CPU, about a
 * compensated mean.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { FLAT_INDEX, grid1d, gridOf, GROUP_INDEX, WG, wgsl } from "../wgsl.ts";
import { byRowLength, COLUMN_BLOCK, columnSum, rowReduce, rowsOf } from "./rows.ts";

/**
 * μ = Σx/N, σ² = Σ(x − μ)²/N, rstd = 1/√(σ² + ε), y = (x − μ)·rstd·γ + β. The CPU holds μ
 * in float64; here the f32 mean is corrected by the mean residual (x − μ is then accurate
 * even for rows whose spread is tiny against their mean).
 */
const FORWARD = byRowLength((t) =>
  wgsl(
    `layernorm.forward.${t}`,
    /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> rstd: array<f32>;
struct P { rows: u32, n: u32, eps: f32 }
@group(0) @binding(6) var<uniform> p: P;
${GROUP_INDEX}
${rowReduce(t)}
@compute @workgroup_size(${t})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, ng);
  if (row >= p.rows) { return; }
  let off = row * p.n;
  let nf = f32(p.n);
  var s = 0.0;
  for (var j = lid; j < p.n; j += ${t}u) { s += x[off + j]; }
  let mu0 = rowSum(s, lid) / nf;
  // Second pass: Σd and Σd² of d = x − μ₀. Σd/N corrects the rounding of μ₀, and
  // Σ(d − Σd/N)² = Σd² − (Σd)²/N is the two-pass variance about the corrected mean.
  var acc = vec2<f32>(0.0, 0.0);
  for (var j = lid; j < p.n; j += ${t}u) {
    let d = x[off + j] - mu0;
    acc += vec2<f32>(d, d * d);
  }
  let sums = rowSum2(acc, lid);
  let corr = sums.x / nf;
  let v = max(sums.y - sums.x * corr, 0.0) / nf;
  let rs = 1.0 / sqrt(v + p.eps);
  for (var j = lid; j < p.n; j += ${t}u) { y[off + j] = ((x[off + j] - mu0) - corr) * rs * gamma[j] + beta[j]; }
  if (lid == 0u) {
    mean[row] = mu0 + corr;
    rstd[row] = rs;
  }
}`,
  )
);

/** x̂ = (x − μ)·rstd, ĝ = dy·γ; dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)). */
const BACKWARD_DX = byRowLength((t) =>
  wgsl(
    `layernorm.backwardDx.${t}`,
    /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
struct P { rows: u32, n: u32 }
@group(0) @binding(6) var<uniform> p: P;
${GROUP_INDEX}
${rowReduce(t)}
@compute @workgroup_size(${t})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, ng);
  if (row >= p.rows) { return; }
  let off = row * p.n;
  let nf = f32(p.n);
  let m = mean[row];
  let s = rstd[row];
  var acc = vec2<f32>(0.0, 0.0);
  for (var j = lid; j < p.n; j += ${t}u) {
    let xh = (x[off + j] - m) * s;
    let gh = dy[off + j] * gamma[j];
    acc += vec2<f32>(gh, gh * xh);
  }
  let sums = rowSum2(acc, lid);
  let meanG = sums.x / nf;
  let meanGX = sums.y / nf;
  for (var j = lid; j < p.n; j += ${t}u) {
    let xh = (x[off + j] - m) * s;
    dx[off + j] = s * (dy[off + j] * gamma[j] - meanG - xh * meanGX);
  }
}`,
  )
);

/** Block sums of dγ = Σ_r dy·x̂ and dβ = Σ_r dy: one invocation per (block, column), rows ascending. */
const BACKWARD_PARAMS = wgsl(
  "layernorm.backwardParams",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mean: array<f32>;
@group(0) @binding(2) var<storage, read> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(5) var<storage, read_write> dbeta: array<f32>;
struct P { rows: u32, n: u32, block: u32, blocks: u32 }
@group(0) @binding(6) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.blocks * p.n) { return; }
  let b = i / p.n;
  let j = i % p.n;
  let r1 = min(p.rows, (b + 1u) * p.block);
  var g = 0.0;
  var bt = 0.0;
  for (var r = b * p.block; r < r1; r++) {
    let k = r * p.n + j;
    let d = dy[k];
    g += d * ((x[k] - mean[r]) * rstd[r]);
    bt += d;
  }
  dgamma[i] = g;
  dbeta[i] = bt;
}`,
);

/**
 * The layernorm kernels of a WebGPU backend.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { layernorm } = layernormKernels(await WebGpuBackend.create());
 * ```
 */
export function layernormKernels(bk: WebGpuBackend): Pick<KernelTable, "layernorm" | "layernormBackward"> {
  return {
    layernorm(x, gamma, beta, eps) {
      const { rows, n } = rowsOf(x.shape);
      const y = bk.output(x.shape, "f32");
      const mean = bk.output([rows], "f32");
      const rstd = bk.output([rows], "f32");
      bk.runner.run(FORWARD(n), {
        bind: [x, gamma, beta, y, mean, rstd].map(gpuBuffer),
        params: { u: [rows, n], f: [eps] },
        groups: gridOf(rows),
      });
      return { y, mean, rstd };
    },
    layernormBackward(x, gamma, mean, rstd, dy) {
      const { rows, n } = rowsOf(x.shape);
      const dx = bk.output(x.shape, "f32");
      const dgamma = bk.output([n], "f32");
      const dbeta = bk.output([n], "f32");
      bk.runner.run(BACKWARD_DX(n), {
        bind: [x, gamma, mean, rstd, dy, dx].map(gpuBuffer),
        params: { u: [rows, n] },
        groups: gridOf(rows),
      });
      if (rows === 0) {
        // No rows: the column sums are zero (and empty when n = 0)
        bk.runner.clear(gpuBuffer(dgamma), n * 4);
        bk.runner.clear(gpuBuffer(dbeta), n * 4);
        return { dx, dgamma, dbeta };
      }
      const blocks = Math.ceil(rows / COLUMN_BLOCK);
      const single = blocks === 1;
      const pg = single ? gpuBuffer(dgamma) : bk.pool.take(blocks * n * 4);
      const pb = single ? gpuBuffer(dbeta) : bk.pool.take(blocks * n * 4);
      bk.runner.run(BACKWARD_PARAMS, {
        bind: [...[x, mean, rstd, dy].map(gpuBuffer), pg, pb],
        params: { u: [rows, n, COLUMN_BLOCK, blocks] },
        groups: grid1d(blocks * n),
      });
      if (!single) {
        columnSum(bk, pg, blocks, n, gpuBuffer(dgamma));
        columnSum(bk, pb, blocks, n, gpuBuffer(dbeta));
        bk.pool.give(pg);
        bk.pool.give(pb);
      }
      return { dx, dgamma, dbeta };
    },
  };
}
