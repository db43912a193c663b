/**
 * Matmul on WebGPU: c[M, N] = op(a)·op(b), one T×T output tile per workgroup of 16×16
 * invocations, each keeping a (T/16)×(T/16) block of outputs in registers as vec4 rows.
 * Two tile sizes: T = 128 (8×8 per invocation, K staged 8 at a time) for products large
 * enough to fill a GPU with such tiles, T = 64 (4×4 per invocation, K by 16) otherwise.
 *
 * Per K-slice, every invocation loads one vec4 of each operand tile from global memory into
 * registers (the next slice's loads are issued before the current slice's products, so their
 * latency hides behind arithmetic), then stores it to workgroup memory laid out [k][m] and
 * [k][n], padded by one vec4 per k-row so the stores are free of bank conflicts. An invocation
 * owns rows {ty·4 + i, 64 + ty·4 + i} and columns {tx·4 + j, 64 + tx·4 + j} (one group of each
 * when T = 64): its operand reads are whole vec4s, and neighbouring invocations read
 * neighbouring vec4s, again without bank conflicts. The K-slice loop is unrolled in the
 * generated source, so workgroup-memory offsets are constants.
 *
 * One shader per (transA, transB, T): the transposition lives in the global loads only, each
 * variant reads its operands as stored. Edge tiles load zeros past M, N and K and skip stores
 * outside c. Each output is one invocation's `fma` chain over k ascending (the zero padding
 * adds exact zeros), with no atomics, so a recompute gives the same bits. The loop over
 * K-slices runs ⌈K/8⌉ times, far under the 65,535 iterations after which the software
 * adapter (llvmpipe) silently stops a loop.
 * @module
 */
import type { Activation, KernelTable, Tensor } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { gridOf, GROUP_INDEX, type KernelSource, wgsl } from "../wgsl.ts";
import { ACTIVATION_MATH } from "./elementwise.ts";

/** Output tile edges a workgroup can cover. */
export type MatmulTile = 64 | 128;

/** Large tiles only when there are at least this many of them (a few per multiprocessor on a big GPU). */
export const LARGE_TILE_MIN_GROUPS = 256;

/** Invocations per workgroup along each axis. */
const THREADS = 16;
/** Each invocation loads one vec4 per operand per K-slice: T·BK = 4·THREADS². */
const SLICE_ELEMENTS = 4 * THREADS * THREADS;
/** Rows (or columns) between an invocation's vec4 groups when it owns two. */
const GROUP_STRIDE = 64;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const LANES = ["x", "y", "z", "w"];

/**
 * WGSL loading one operand's vec4 for a K-slice into `dst`: four elements op(x)[base + v·4 + i, k]
 * (rows of op(a), or columns of op(b)). `get` names the bounds-checked element reader.
 */
function sliceLoad(dst: string, get: string, base: string, v: string, k: string): string {
  const lanes = range(4).map((i) => `${get}(${base} + ${v} * 4u + ${i}u, ${k})`);
  return `${dst} = vec4<f32>(${lanes.join(", ")});`;
}

/**
 * Which vec4 `v` (along M or N) and which k-row `q` of the slice an invocation loads. When the
 * operand is contiguous along M (or N), 32 invocations (T = 128) cover a k-row with consecutive
 * addresses; when it is contiguous along K, consecutive invocations take consecutive k.
 */
function sliceSlot(alongTile: boolean, t: number, bk: number, prefix: string): string {
  const perRow = t / 4;
  return alongTile
    ? `let ${prefix}v = lid % ${perRow}u; let ${prefix}q = lid / ${perRow}u;`
    : `let ${prefix}q = lid % ${bk}u; let ${prefix}v = lid / ${bk}u;`;
}

/**
 * What happens to an output as it is stored: nothing (plain matmul), or the fused linear
 * layer's bias and activation. Per element z = acc + bias[col], then c = act(z), with the same
 * WGSL expressions as the biasAdd and activation kernels, so the bits are theirs; gelu also
 * stores z (binding 4) for the backward.
 */
export type Epilogue = null | Activation;

/** WGSL of act(z) for an epilogue's activation. */
const ACTIVATE: Readonly<Record<Activation, string>> = {
  none: "z",
  relu: "max(z, 0.0)",
  gelu: "z - z * geluS(z)",
};

/** Bindings and the `put` function that stores a vec4 of results, for an epilogue. */
function storeCode(epilogue: Epilogue): { bindings: string; uniform: number; put: string } {
  const lane = (j: number) => {
    if (epilogue === null) return `c[o + ${j}u] = v.${LANES[j]};`;
    const z = `let z = v.${LANES[j]} + bias[col + ${j}u];`;
    const keep = epilogue === "gelu" ? ` zs[o + ${j}u] = z;` : "";
    return `${z} c[o + ${j}u] = ${ACTIVATE[epilogue]};${keep}`;
  };
  const extra = epilogue === null ? [] : ["@group(0) @binding(3) var<storage, read> bias: array<f32>;"];
  if (epilogue === "gelu") extra.push("@group(0) @binding(4) var<storage, read_write> zs: array<f32>;");
  return {
    bindings: extra.join("\n") + (epilogue === "gelu" ? `\n${ACTIVATION_MATH}` : ""),
    uniform: 3 + extra.length,
    put: `fn put(r: u32, col: u32, v: vec4<f32>) {
  if (r >= p.m) { return; }
  let o = r * p.n + col;
  ${range(4).map((j) => `if (col + ${j}u < p.n) { ${lane(j)} }`).join("\n  ")}
}`,
  };
}

/** The shader for one operand layout, tile size and epilogue. */
export function matmulSource(
  transA: boolean,
  transB: boolean,
  t: MatmulTile,
  epilogue: Epilogue = null,
): KernelSource {
  const bk = SLICE_ELEMENTS / t; // K-slice: 8 for T = 128, 16 for T = 64
  const groups = t / THREADS / 4; // vec4 groups per invocation along each axis: 2 or 1
  const rowVec = t / 4 + 1; // vec4s per padded k-row of a staged tile
  const rows = range(groups * 4); // accumulator rows: group g, lane i → g·4 + i
  const hs = range(groups);
  const products: string[] = [];
  for (const kk of range(bk)) {
    const at = kk * rowVec;
    products.push(
      `{ // k0 + ${kk}\n    ` +
        hs.map((g) => `let a${g} = As[${at + (g * GROUP_STRIDE) / 4}u + ty];`).join(" ") + " " +
        hs.map((h) => `let b${h} = Bs[${at + (h * GROUP_STRIDE) / 4}u + tx];`).join(" "),
    );
    for (const r of rows) {
      const a = `vec4<f32>(a${Math.floor(r / 4)}.${LANES[r % 4]})`;
      products.push(hs.map((h) => `c${r}_${h} = fma(${a}, b${h}, c${r}_${h});`).join(" "));
    }
    products.push("}");
  }
  const stores = rows.flatMap((r) => {
    const row = Math.floor(r / 4) * GROUP_STRIDE + (r % 4);
    return hs.map((h) => `put(row0 + ${row}u + ty * 4u, col0 + ${h * GROUP_STRIDE}u + tx * 4u, c${r}_${h});`);
  });
  const store = storeCode(epilogue);
  return wgsl(
    `matmul.${transA ? "T" : "N"}${transB ? "T" : "N"}.${t}${epilogue === null ? "" : `.${epilogue}`}`,
    /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
${store.bindings}
struct P { m: u32, n: u32, k: u32, tilesN: u32, tiles: u32 }
@group(0) @binding(${store.uniform}) var<uniform> p: P;
var<workgroup> As: array<vec4<f32>, ${bk * rowVec}>;
var<workgroup> Bs: array<vec4<f32>, ${bk * rowVec}>;
// op(a)[r, k] and op(b)[k, col], zero outside the matrices
fn getA(r: u32, k: u32) -> f32 {
  if (r < p.m && k < p.k) { return a[${transA ? "k * p.m + r" : "r * p.k + k"}]; }
  return 0.0;
}
fn getB(col: u32, k: u32) -> f32 {
  if (col < p.n && k < p.k) { return b[${transB ? "col * p.k + k" : "k * p.n + col"}]; }
  return 0.0;
}
// c[r, col..col+3], the part inside c (after the epilogue, if any)
${store.put}
${GROUP_INDEX}
@compute @workgroup_size(${THREADS}, ${THREADS})
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) ng: vec3<u32>,
  @builtin(local_invocation_id) l: vec3<u32>,
) {
  let tile = groupIndex(wid, ng); // tiles row-major over c, folded into a 2-D grid when many
  if (tile >= p.tiles) { return; }
  let row0 = (tile / p.tilesN) * ${t}u; let col0 = (tile % p.tilesN) * ${t}u;
  let tx = l.x; let ty = l.y;
  let lid = ty * ${THREADS}u + tx;
  ${sliceSlot(transA, t, bk, "a")}
  ${sliceSlot(!transB, t, bk, "b")}
  ${rows.flatMap((r) => hs.map((h) => `var c${r}_${h} = vec4<f32>();`)).join(" ")}
  var pa: vec4<f32>; var pb: vec4<f32>;
  ${sliceLoad("pa", "getA", "row0", "av", "aq")}
  ${sliceLoad("pb", "getB", "col0", "bv", "bq")}
  for (var k0 = 0u; k0 < p.k; k0 = k0 + ${bk}u) {
    workgroupBarrier();
    As[aq * ${rowVec}u + av] = pa;
    Bs[bq * ${rowVec}u + bv] = pb;
    workgroupBarrier();
    if (k0 + ${bk}u < p.k) {
      ${sliceLoad("pa", "getA", "row0", "av", `k0 + ${bk}u + aq`)}
      ${sliceLoad("pb", "getB", "col0", "bv", `k0 + ${bk}u + bq`)}
    }
    ${products.join("\n    ")}
  }
  ${stores.join("\n  ")}
}`,
  );
}

/** The four operand layouts of one tile size, indexed (transA ? 2 : 0) + (transB ? 1 : 0). */
const layouts = (t: MatmulTile) =>
  [[false, false], [false, true], [true, false], [true, true]].map(([a, b]) => matmulSource(a!, b!, t));

/** Shaders by tile size, then by operand layout. */
const VARIANTS: Readonly<Record<MatmulTile, ReadonlyArray<KernelSource>>> = {
  64: layouts(64),
  128: layouts(128),
};

/**
 * The tile size for an M×N output: 128 when that still gives `LARGE_TILE_MIN_GROUPS`
 * workgroups, else 64 (more workgroups keep more of the GPU busy on small products).
 * @example
 * ```ts
 * matmulTile(4096, 4096); // 128
 * matmulTile(64, 1024); // 64
 * ```
 */
export function matmulTile(m: number, n: number): MatmulTile {
  return Math.ceil(m / 128) * Math.ceil(n / 128) >= LARGE_TILE_MIN_GROUPS ? 128 : 64;
}

/** Queues one matmul-shaped dispatch: tiles row-major over the [m, n] output, the buffers bound in order. */
export function dispatchMatmul(
  bk: WebGpuBackend,
  source: KernelSource,
  tile: MatmulTile,
  [m, n, k]: readonly [number, number, number],
  tensors: ReadonlyArray<Tensor>,
): void {
  const tilesN = Math.ceil(n / tile), tiles = Math.ceil(m / tile) * tilesN;
  bk.runner.run(source, {
    bind: tensors.map(gpuBuffer),
    params: { u: [m, n, k, tilesN, tiles] },
    groups: gridOf(tiles),
  });
}

/** [rows, columns] of a tensor read as a matrix: leading dimensions fold into rows. */
export function asMatrix(t: Tensor): [number, number] {
  const cols = t.shape.length === 0 ? 1 : t.shape[t.shape.length - 1]!;
  return [cols === 0 ? 0 : t.size / cols, cols];
}

/** Options of {@link matmulKernels}. */
export interface MatmulKernelOptions {
  /** Use this tile size for every product instead of choosing by shape (for tests and benchmarks). */
  readonly tile?: MatmulTile;
}

/**
 * The matmul kernel of a WebGPU backend. Leading dimensions of `a` fold into rows (into K
 * when transposed), as on CPU; the output is [M, N], zeros when K = 0.
 * @param bk the backend whose pool and accountant own the outputs
 * @param options a fixed tile size, else chosen per product by {@link matmulTile}
 * @example
 * ```ts
 * const { matmul } = matmulKernels(await WebGpuBackend.create());
 * ```
 */
export function matmulKernels(
  bk: WebGpuBackend,
  options: MatmulKernelOptions = {},
): Pick<KernelTable, "matmul"> {
  return {
    matmul(a, b, layout) {
      const transA = layout.transA ?? false, transB = layout.transB ?? false;
      const [aRows, aCols] = asMatrix(a), [bRows, bCols] = asMatrix(b);
      const m = transA ? aCols : aRows, k = transA ? aRows : aCols;
      const n = transB ? bRows : bCols;
      if (m === 0 || n === 0 || k === 0) return bk.alloc([m, n], "f32");
      const tile = options.tile ?? matmulTile(m, n);
      const out = bk.output([m, n], "f32");
      dispatchMatmul(bk, VARIANTS[tile][(transA ? 2 : 0) + (transB ? 1 : 0)]!, tile, [m, n, k], [a, b, out]);
      return out;
    },
  };
}
