/**
 * Transpose of the last two dimensions on WebGPU, [..., R, C] → [..., C, R], through
 * workgroup memory: a workgroup of 32×8 invocations reads a 32×32 tile of one plane with
 * consecutive invocations on consecutive columns, and writes it transposed with consecutive
 * invocations on consecutive output columns, so both sides are coalesced. The staged tile
 * has 33 words per row, so the transposed reads hit distinct banks. Tiles of every plane are
 * numbered in one sequence folded into a 2-D grid. Words move as u32: a pure copy, exact
 * for f32 and i32 alike (no float canonicalisation of NaN payloads).
 * @module
 */
import type { KernelTable } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { gridOf, GROUP_INDEX, wgsl } from "../wgsl.ts";

/** Tile edge. */
const T = 32;
/** Invocation rows per workgroup; each moves T / ROWS elements. */
const ROWS = 8;

const TRANSPOSE = wgsl(
  "transpose",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<u32>;
@group(0) @binding(1) var<storage, read_write> y: array<u32>;
struct P { rows: u32, cols: u32, tilesC: u32, tilesR: u32, tiles: u32 }
@group(0) @binding(2) var<uniform> p: P;
var<workgroup> tile: array<u32, ${T * (T + 1)}>;
${GROUP_INDEX}
@compute @workgroup_size(${T}, ${ROWS})
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) ng: vec3<u32>,
  @builtin(local_invocation_id) l: vec3<u32>,
) {
  let g = groupIndex(wid, ng);
  if (g >= p.tiles) { return; }
  let tc = g % p.tilesC; let rest = g / p.tilesC;
  let r0 = (rest % p.tilesR) * ${T}u; let c0 = tc * ${T}u;
  let base = (rest / p.tilesR) * p.rows * p.cols; // the plane's first element, in x and in y
  for (var j = 0u; j < ${T}u; j = j + ${ROWS}u) {
    let r = r0 + l.y + j; let c = c0 + l.x;
    if (r < p.rows && c < p.cols) { tile[(l.y + j) * ${T + 1}u + l.x] = x[base + r * p.cols + c]; }
  }
  workgroupBarrier();
  for (var j = 0u; j < ${T}u; j = j + ${ROWS}u) {
    let c = c0 + l.y + j; let r = r0 + l.x; // y[c, r] = x[r, c]
    if (c < p.cols && r < p.rows) { y[base + c * p.rows + r] = tile[l.x * ${T + 1}u + l.y + j]; }
  }
}`,
);

/**
 * The transpose kernel of a WebGPU backend (i32 tensors are moved bit for bit too). A tensor
 * of rank below 2 is copied, as on CPU.
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
      if (x.size === 0) return out;
      const planes = x.size / (rows * cols);
      const tilesC = Math.ceil(cols / T), tilesR = Math.ceil(rows / T), tiles = tilesC * tilesR * planes;
      bk.runner.run(TRANSPOSE, {
        bind: [gpuBuffer(x), gpuBuffer(out)],
        params: { u: [rows, cols, tilesC, tilesR, tiles] },
        groups: gridOf(tiles),
      });
      return out;
    },
  };
}
