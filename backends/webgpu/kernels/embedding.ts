/**
 * Embedding lookup and its scatter-add backward, without atomics. The backward groups
 * positions by id with a counting sort (count per id, prefix offsets, fill in ascending
 * position order), then sums each table row's gradient over its own positions in ascending
 * order: the CPU backend's order, so the result is deterministic and matches it exactly.
 * Every scan runs in bounded chunks (see `CHUNK`), a few dispatches per pass.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { FLAT_INDEX, grid1d, WG, wgsl } from "../wgsl.ts";

/** y[p, j] = table[ids[p], j], 0 for an id outside [0, vocab); uniforms n = positions·d, d, vocab. */
const GATHER = wgsl(
  "embedding.gather",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> ids: array<i32>;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
struct P { n: u32, d: u32, vocab: u32 }
@group(0) @binding(3) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.n) { return; }
  let v = ids[i / p.d];
  var value = 0.0;
  if (v >= 0 && u32(v) < p.vocab) { value = table[u32(v) * p.d + i % p.d]; }
  y[i] = value;
}`,
);

/**
 * Most loop iterations one invocation runs per dispatch. Mesa's llvmpipe (the software
 * adapter of CI) silently stops every loop of an invocation after 65,535 iterations in
 * all, so each scan below runs over chunks of this many items, one dispatch per chunk,
 * carrying its state in the buffers between dispatches.
 */
const CHUNK = 16384;

/**
 * starts[v + 1] (+)= #{q ∈ [lo, hi) : ids[q] = v}, one invocation per id v; the first chunk
 * (lo = 0) writes, later ones add. Uniforms lo, hi, vocab.
 */
const COUNT = wgsl(
  "embedding.count",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> ids: array<i32>;
@group(0) @binding(1) var<storage, read_write> starts: array<u32>;
struct P { lo: u32, hi: u32, vocab: u32 }
@group(0) @binding(2) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let v = flat(gid, ng);
  if (v >= p.vocab) { return; }
  var c = 0u;
  for (var q = p.lo; q < p.hi; q++) { c += select(0u, 1u, ids[q] == i32(v)); }
  starts[v + 1u] = select(starts[v + 1u], 0u, p.lo == 0u) + c;
}`,
);

/**
 * The running sum of the counts over ids (lo, hi], starts[lo] being final already
 * (starts[0] = 0 is set by the first chunk). One invocation. Uniforms lo, hi.
 */
const SCAN = wgsl(
  "embedding.scan",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> starts: array<u32>;
struct P { lo: u32, hi: u32 }
@group(0) @binding(1) var<uniform> p: P;
@compute @workgroup_size(1)
fn main() {
  if (p.lo == 0u) { starts[0] = 0u; }
  var total = starts[p.lo];
  for (var v = p.lo + 1u; v <= p.hi; v++) {
    total += starts[v];
    starts[v] = total;
  }
}`,
);

/**
 * Appends the positions q ∈ [lo, hi) with id v, ascending, to order[cursor[v] …], one
 * invocation per id; the first chunk starts each cursor at starts[v]. Uniforms lo, hi, vocab.
 */
const FILL = wgsl(
  "embedding.fill",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> ids: array<i32>;
@group(0) @binding(1) var<storage, read> starts: array<u32>;
@group(0) @binding(2) var<storage, read_write> cursor: array<u32>;
@group(0) @binding(3) var<storage, read_write> order: array<u32>;
struct P { lo: u32, hi: u32, vocab: u32 }
@group(0) @binding(4) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let v = flat(gid, ng);
  if (v >= p.vocab) { return; }
  var k = select(cursor[v], starts[v], p.lo == 0u);
  for (var q = p.lo; q < p.hi; q++) {
    if (ids[q] == i32(v)) {
      order[k] = q;
      k++;
    }
  }
  cursor[v] = k;
}`,
);

/**
 * dtable[v, j] (+)= Σ dy[q, j] over the lo-th to (hi − 1)-th positions q of id v, in
 * order; the first chunk (lo = 0) starts from 0. Uniforms n = vocab·d, d, lo, hi.
 */
const SUM = wgsl(
  "embedding.sum",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> starts: array<u32>;
@group(0) @binding(2) var<storage, read> order: array<u32>;
@group(0) @binding(3) var<storage, read_write> dtable: array<f32>;
struct P { n: u32, d: u32, lo: u32, hi: u32 }
@group(0) @binding(4) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.n) { return; }
  let v = i / p.d;
  let j = i % p.d;
  let first = starts[v];
  let end = min(starts[v + 1u], first + p.hi);
  var acc = select(dtable[i], 0.0, p.lo == 0u);
  for (var k = first + p.lo; k < end; k++) { acc += dy[order[k] * p.d + j]; }
  dtable[i] = acc;
}`,
);

/** The chunks [lo, hi) covering [0, n). */
function chunks(n: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let lo = 0; lo < n; lo += CHUNK) out.push([lo, Math.min(n, lo + CHUNK)]);
  return out;
}

/** The last dimension of a shape (1 for a scalar shape `[]`), as on CPU. */
function lastDim(shape: ReadonlyArray<number>): number {
  return shape.length === 0 ? 1 : shape[shape.length - 1]!;
}

/**
 * The embedding kernels of a WebGPU backend. Ids outside `[0, V)` read and write nothing
 * (their rows are zero), as on CPU. The backward's scratch (offsets and cursors per id,
 * positions grouped by id) comes from the pool unaccounted, like a CPU kernel's local arrays.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { embedding } = embeddingKernels(await WebGpuBackend.create());
 * ```
 */
export function embeddingKernels(bk: WebGpuBackend): Pick<KernelTable, "embedding" | "embeddingBackward"> {
  return {
    embedding(ids, table) {
      // y[p, :] = table[ids[p], :]
      const d = lastDim(table.shape), vocab = d === 0 ? 0 : table.size / d;
      const out = bk.output([...ids.shape, d], "f32");
      const n = ids.size * d;
      bk.runner.run(GATHER, {
        bind: [gpuBuffer(ids), gpuBuffer(table), gpuBuffer(out)],
        params: { u: [n, d, vocab] },
        groups: grid1d(n),
      });
      return out;
    },
    embeddingBackward(ids, dy, vocab) {
      // dtable[v, :] = Σ_{p : ids[p] = v} dy[p, :], p ascending
      const d = lastDim(dy.shape), positions = ids.size, n = vocab * d;
      if (positions === 0 || n === 0) return bk.alloc([vocab, d], "f32");
      const out = bk.output([vocab, d], "f32");
      const starts = bk.pool.take((vocab + 1) * 4), cursor = bk.pool.take(vocab * 4);
      const order = bk.pool.take(positions * 4);
      const idBuf = gpuBuffer(ids), byId = grid1d(vocab), byElement = grid1d(n);
      for (const [lo, hi] of chunks(positions)) {
        bk.runner.run(COUNT, { bind: [idBuf, starts], params: { u: [lo, hi, vocab] }, groups: byId });
      }
      for (const [lo, hi] of chunks(vocab)) {
        bk.runner.run(SCAN, { bind: [starts], params: { u: [lo, hi] }, groups: [1] });
      }
      for (const [lo, hi] of chunks(positions)) {
        bk.runner.run(FILL, {
          bind: [idBuf, starts, cursor, order],
          params: { u: [lo, hi, vocab] },
          groups: byId,
        });
      }
      // no id occurs more often than there are positions
      for (const [lo, hi] of chunks(positions)) {
        bk.runner.run(SUM, {
          bind: [gpuBuffer(dy), starts, order, gpuBuffer(out)],
          params: { u: [n, d, lo, hi] },
          groups: byElement,
        });
      }
      // Later commands run after these in queue order, so the scratch can be reused at once.
      for (const b of [starts, cursor, order]) bk.pool.give(b);
      return out;
    },
  };
}
