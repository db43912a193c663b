/**
 * Matmul on WebGPU: c[M, N] = op(a)·op(b), one 64×64 output tile per workgroup of 16×16
 * invocations, each accumulating a 4×4 block in registers over K in tiles of 16 staged in
 * workgroup memory. One shader per (transA, transB): the transposition lives in the tile
 * loads, so every variant reads its operands as stored. Each output sums over k in ascending
 * order in one invocation, with no atomics, so a recompute gives the same bits. The
 * per-thread loops over the 4×4 block and the loads are unrolled in the generated source:
 * besides being faster, this keeps the loop count per invocation at ⌈K/16⌉·17, far under the
 * 65,535 iterations after which the software adapter (llvmpipe) silently stops a loop.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { type KernelSource, wgsl } from "../wgsl.ts";

/** Output tile edge per workgroup. */
export const TILE = 64;
/** K-slice staged per iteration. */
export const TILE_K = 16;
/** Outputs per invocation along each axis. */
const PER = 4;
/** Invocations per workgroup along each axis (TILE / PER). */
const THREADS = TILE / PER;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** WGSL loading the A tile (TILE rows × TILE_K) and the B tile (TILE_K × TILE columns). */
function tileLoads(transA: boolean, transB: boolean): string {
  // 256 invocations load 1024 elements of each tile: 4 each, unrolled
  const lines: string[] = [];
  for (const r of range((TILE * TILE_K) / (THREADS * THREADS))) {
    lines.push(`{
      let e = lid + ${r * THREADS * THREADS}u;
      let ar = e / ${TILE_K}u; let ak = e % ${TILE_K}u;
      let gr = row0 + ar; let gk = k0 + ak;
      var va = 0.0;
      if (gr < p.m && gk < p.k) { va = a[${transA ? "gk * p.m + gr" : "gr * p.k + gk"}]; }
      As[ak * ${TILE}u + ar] = va;
      let bk = e / ${TILE}u; let bc = e % ${TILE}u;
      let gk2 = k0 + bk; let gc = col0 + bc;
      var vb = 0.0;
      if (gk2 < p.k && gc < p.n) { vb = b[${transB ? "gc * p.k + gk2" : "gk2 * p.n + gc"}]; }
      Bs[bk * ${TILE}u + bc] = vb;
    }`);
  }
  return lines.join("\n    ");
}

/** The shader for one operand layout. */
function matmulSource(transA: boolean, transB: boolean): KernelSource {
  const acc = range(PER * PER).map((i) => `var c${i} = 0.0;`).join(" ");
  const fma = range(PER).map((i) =>
    range(PER).map((j) => `c${i * PER + j} = c${i * PER + j} + ar${i} * br${j};`).join(" ")
  ).join("\n        ");
  const regs = range(PER).map((i) => `let ar${i} = As[kk * ${TILE}u + ty * ${PER}u + ${i}u];`).join(" ") + "\n        " +
    range(PER).map((j) => `let br${j} = Bs[kk * ${TILE}u + tx * ${PER}u + ${j}u];`).join(" ");
  const stores = range(PER).map((i) =>
    range(PER).map((j) =>
      `if (r${i} < p.m && col0 + tx * ${PER}u + ${j}u < p.n) { c[r${i} * p.n + col0 + tx * ${PER}u + ${j}u] = c${i * PER + j}; }`
    ).join("\n    ")
  ).join("\n    ");
  const rows = range(PER).map((i) => `let r${i} = row0 + ty * ${PER}u + ${i}u;`).join(" ");
  return wgsl(
    `matmul.${transA ? "T" : "N"}${transB ? "T" : "N"}`,
    /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
struct P { m: u32, n: u32, k: u32 }
@group(0) @binding(3) var<uniform> p: P;
var<workgroup> As: array<f32, ${TILE * TILE_K}>;
var<workgroup> Bs: array<f32, ${TILE * TILE_K}>;
@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let tx = l.x; let ty = l.y;
  let lid = ty * ${THREADS}u + tx;
  let row0 = wid.y * ${TILE}u; let col0 = wid.x * ${TILE}u;
  ${acc}
  for (var k0 = 0u; k0 < p.k; k0 = k0 + ${TILE_K}u) {
    ${tileLoads(transA, transB)}
    workgroupBarrier();
    for (var kk = 0u; kk < ${TILE_K}u; kk = kk + 1u) {
        ${regs}
        ${fma}
    }
    workgroupBarrier();
  }
  ${rows}
  ${stores}
}`,
  );
}

const VARIANTS: ReadonlyArray<KernelSource> = [
  matmulSource(false, false),
  matmulSource(false, true),
  matmulSource(true, false),
  matmulSource(true, true),
];

/**
 * The matmul kernel of a WebGPU backend. Leading dimensions of `a` fold into rows, as on CPU.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { matmul } = matmulKernels(await WebGpuBackend.create());
 * ```
 */
export function matmulKernels(bk: WebGpuBackend): Pick<KernelTable, "matmul"> {
  return {
    matmul(a, b, options) {
      const transA = options.transA ?? false, transB = options.transB ?? false;
      const aCols = a.shape.length === 0 ? 1 : a.shape[a.shape.length - 1]!, aRows = aCols === 0 ? 0 : a.size / aCols;
      const bCols = b.shape.length === 0 ? 1 : b.shape[b.shape.length - 1]!, bRows = bCols === 0 ? 0 : b.size / bCols;
      const m = transA ? aCols : aRows, k = transA ? aRows : aCols;
      const n = transB ? bRows : bCols;
      if (m === 0 || n === 0 || k === 0) return bk.alloc([m, n], "f32");
      const out = bk.output([m, n], "f32");
      bk.runner.run(VARIANTS[(transA ? 2 : 0) + (transB ? 1 : 0)]!, {
        bind: [gpuBuffer(a), gpuBuffer(b), gpuBuffer(out)],
        params: { u: [m, n, k] },
        groups: [Math.ceil(n / TILE), Math.ceil(m / TILE)],
      });
      return out;
    },
  };
}
