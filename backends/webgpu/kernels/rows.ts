/**
 * Reductions along rows and down columns, shared by the row-structured kernels, and
 * `sumRows`. Every reduction has a fixed shape that depends only on the tensor's shape,
 * with no atomics, so repeated calls (and recomputation under checkpointing) are
 * bit-identical:
 *
 * - along a row (softmax, layernorm, cross-entropy): one workgroup per row; each thread
 *   folds a strided slice of the row, then a tree in workgroup memory combines the threads;
 * - down columns (sumRows, layernorm's dγ and dβ): blocks of `COLUMN_BLOCK` rows are summed
 *   in ascending order by one invocation per (block, column), and the block sums are summed
 *   the same way until one block is left.
 * @module
 */
import type { KernelTable, Shape } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { FLAT_INDEX, grid1d, type KernelSource, WG, wgsl } from "../wgsl.ts";

/** Rows summed, in order, by one invocation of a column reduction. */
export const COLUMN_BLOCK = 128;

/** The rows and the row length of a tensor reduced over its last dimension (a scalar is one row of one). */
export function rowsOf(shape: Shape): { rows: number; n: number } {
  const n = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  let size = 1;
  for (const d of shape) size *= d;
  return { rows: n === 0 ? 0 : size / n, n };
}

/** WGSL literal of the lowest finite f32: the start of a running maximum. */
export const F32_LOWEST = "-3.4028234663852886e38";

/** Threads of a workgroup reducing one row of `n` values: a power of two in 32..256. */
export function rowThreads(n: number): number {
  let t = 32;
  while (t < n && t < 256) t *= 2;
  return t;
}

/**
 * WGSL for a `threads`-wide workgroup reducing one row: declares the workgroup scratch and
 * `rowSum2(v, lid) -> vec2<f32>`, `rowSum(v, lid) -> f32` and `rowMax(v, lid) -> f32`, which
 * every thread calls in uniform control flow with its partial value and gets the whole
 * row's result. The tree is fixed: thread t adds thread t + s for s = threads/2, …, 1.
 */
export function rowReduce(threads: number): string {
  return /* wgsl */ `
var<workgroup> red: array<vec2<f32>, ${threads}>;
fn rowSum2(v: vec2<f32>, lid: u32) -> vec2<f32> {
  red[lid] = v;
  workgroupBarrier();
  for (var s = ${threads / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
fn rowSum(v: f32, lid: u32) -> f32 {
  return rowSum2(vec2<f32>(v, 0.0), lid).x;
}
fn rowMax(v: f32, lid: u32) -> f32 {
  red[lid] = vec2<f32>(v, 0.0);
  workgroupBarrier();
  for (var s = ${threads / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid].x = max(red[lid].x, red[lid + s].x); }
    workgroupBarrier();
  }
  let r = red[0].x;
  workgroupBarrier();
  return r;
}`;
}

/**
 * A row kernel built for the workgroup width suited to the row length, each width
 * compiled once.
 * @param build the kernel for a given workgroup width
 * @example
 * ```ts
 * const kernel = byRowLength((t) => wgsl(`demo.${t}`, `...${rowReduce(t)}...`));
 * const source = kernel(700); // the 256-wide variant
 * ```
 */
export function byRowLength(build: (threads: number) => KernelSource): (n: number) => KernelSource {
  const built = new Map<number, KernelSource>();
  return (n) => {
    const t = rowThreads(n);
    let k = built.get(t);
    if (!k) built.set(t, k = build(t));
    return k;
  };
}

/** out[b, j] = Σ x[r, j] over the rows r of block b, ascending. */
const COLUMN_SUM = wgsl(
  "rows.columnSum",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct P { rows: u32, n: u32, block: u32, blocks: u32 }
@group(0) @binding(2) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.blocks * p.n) { return; }
  let b = i / p.n;
  let j = i % p.n;
  let r1 = min(p.rows, (b + 1u) * p.block);
  var acc = 0.0;
  for (var r = b * p.block; r < r1; r++) { acc += x[r * p.n + j]; }
  out[i] = acc;
}`,
);

/**
 * Queues dst[j] = Σ_r src[r, j] for a row-major `rows`×`n` buffer, deterministically:
 * blocks of `COLUMN_BLOCK` rows, then the block sums, until one block remains. Scratch
 * buffers come from the pool, unaccounted (they are not live tensors).
 * @param bk the backend whose runner queues the dispatches
 * @param src the matrix, `rows`×`n` f32
 * @param dst receives the `n` column sums (zeros when there are no rows)
 * @example
 * ```ts
 * columnSum(bk, gpuBuffer(partials), blocks, n, gpuBuffer(out));
 * ```
 */
export function columnSum(bk: WebGpuBackend, src: GPUBuffer, rows: number, n: number, dst: GPUBuffer): void {
  if (n === 0) return;
  if (rows === 0) return bk.runner.clear(dst, n * 4);
  const scratch: GPUBuffer[] = [];
  let from = src, r = rows;
  for (;;) {
    const blocks = Math.ceil(r / COLUMN_BLOCK);
    const to = blocks === 1 ? dst : bk.pool.take(blocks * n * 4);
    bk.runner.run(COLUMN_SUM, {
      bind: [from, to],
      params: { u: [r, n, COLUMN_BLOCK, blocks] },
      groups: grid1d(blocks * n),
    });
    if (blocks === 1) break;
    scratch.push(to);
    from = to;
    r = blocks;
  }
  // Queued work runs in order, so later users of these buffers see them after these reads.
  for (const b of scratch) bk.pool.give(b);
}

/**
 * The row kernels of a WebGPU backend (biasAdd lives with the elementwise kernels).
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { sumRows } = rowKernels(await WebGpuBackend.create());
 * ```
 */
export function rowKernels(bk: WebGpuBackend): Pick<KernelTable, "sumRows"> {
  return {
    sumRows(x) {
      // s[j] = Σ_r x[r, j] over every leading row
      const { rows, n } = rowsOf(x.shape);
      const out = bk.output([n], "f32");
      columnSum(bk, gpuBuffer(x), rows, n, gpuBuffer(out));
      return out;
    },
  };
}
