/**
 * Multi-head self-attention core and its backward, with the CPU backend's conventions:
 * q, k, v are [B, T, D]; head h owns columns h·dh … (h+1)·dh − 1 (dh = D/heads); scores
 * are q·kᵀ, max-subtracted before scaling by 1/√dh inside the exponential; probabilities
 * [B, H, T, T] are exactly 0 at masked (key after query) positions. Every sum runs in
 * ascending index order in one invocation, so results are deterministic.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { FLAT_INDEX, grid1d, type KernelSource, WG, wgsl } from "../wgsl.ts";

/** The sizes every attention kernel's uniforms are built from. */
interface Dims {
  readonly T: number;
  readonly D: number;
  readonly heads: number;
  readonly causal: boolean;
}

/** The uniform block of every attention kernel: sizes, then the scale 1/√dh. */
const PARAMS = /* wgsl */ `struct P { n: u32, heads: u32, t: u32, d: u32, dh: u32, causal: u32, scale: f32 }`;

/**
 * One invocation per score (b, h, i, j), n = B·H·T·T: s_ij = q_i·k_j over the head's
 * columns, written into the probabilities (masked entries are left for SOFTMAX to zero).
 */
const SCORES = wgsl(
  "attention.scores",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
${PARAMS}
@group(0) @binding(3) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let e = flat(gid, ng);
  if (e >= p.n) { return; }
  let j = e % p.t;
  let r = e / p.t;
  let i = r % p.t;
  let bh = r / p.t;
  if (p.causal != 0u && j > i) { return; }
  let b = bh / p.heads;
  let col = (bh % p.heads) * p.dh;
  let qRow = (b * p.t + i) * p.d + col;
  let kRow = (b * p.t + j) * p.d + col;
  var s = 0.0;
  for (var c = 0u; c < p.dh; c++) { s += q[qRow + c] * k[kRow + c]; }
  probs[e] = s;
}`,
);

/**
 * One invocation per row (b, h, i), n = B·H·T: the scores become
 * softmax_j((s_ij − max)·scale) over the unmasked keys; masked entries become 0.
 */
const SOFTMAX = wgsl(
  "attention.softmax",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> probs: array<f32>;
${PARAMS}
@group(0) @binding(1) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let r = flat(gid, ng);
  if (r >= p.n) { return; }
  let row = r * p.t;
  let end = select(p.t, r % p.t + 1u, p.causal != 0u);
  var mx = probs[row];
  for (var j = 1u; j < end; j++) { mx = max(mx, probs[row + j]); }
  var sum = 0.0;
  for (var j = 0u; j < end; j++) {
    let e = exp((probs[row + j] - mx) * p.scale);
    probs[row + j] = e;
    sum += e;
  }
  let inv = 1.0 / sum;
  for (var j = 0u; j < end; j++) { probs[row + j] *= inv; }
  for (var j = end; j < p.t; j++) { probs[row + j] = 0.0; }
}`,
);

/** One invocation per output element (b, i, c), n = B·T·D: out = Σ_j P[b, h, i, j]·v[b, j, c]. */
const OUT = wgsl(
  "attention.out",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> probs: array<f32>;
@group(0) @binding(1) var<storage, read> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${PARAMS}
@group(0) @binding(3) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let e = flat(gid, ng);
  if (e >= p.n) { return; }
  let c = e % p.d;
  let bi = e / p.d;
  let b = bi / p.t;
  let i = bi % p.t;
  let row = ((b * p.heads + c / p.dh) * p.t + i) * p.t;
  var acc = 0.0;
  for (var j = 0u; j < p.t; j++) { acc += probs[row + j] * v[(b * p.t + j) * p.d + c]; }
  out[e] = acc;
}`,
);

/** One invocation per (b, h, i, j), n = B·H·T·T: dP_ij = dO_i·V_j over the head's columns, into `ds`. */
const DPROBS = wgsl(
  "attention.dprobs",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> v: array<f32>;
@group(0) @binding(1) var<storage, read> dout: array<f32>;
@group(0) @binding(2) var<storage, read_write> ds: array<f32>;
${PARAMS}
@group(0) @binding(3) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let e = flat(gid, ng);
  if (e >= p.n) { return; }
  let j = e % p.t;
  let r = e / p.t;
  let i = r % p.t;
  let bh = r / p.t;
  let b = bh / p.heads;
  let col = (bh % p.heads) * p.dh;
  let oRow = (b * p.t + i) * p.d + col;
  let vRow = (b * p.t + j) * p.d + col;
  var g = 0.0;
  for (var c = 0u; c < p.dh; c++) { g += dout[oRow + c] * v[vRow + c]; }
  ds[e] = g;
}`,
);

/** One invocation per row (b, h, i), n = B·H·T: dS_ij = P_ij·(dP_ij − Σ_j dP_ij·P_ij), in place in `ds`. */
const DSCORES = wgsl(
  "attention.dscores",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> probs: array<f32>;
@group(0) @binding(1) var<storage, read_write> ds: array<f32>;
${PARAMS}
@group(0) @binding(2) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let r = flat(gid, ng);
  if (r >= p.n) { return; }
  let row = r * p.t;
  var dot = 0.0;
  for (var j = 0u; j < p.t; j++) { dot += ds[row + j] * probs[row + j]; }
  for (var j = 0u; j < p.t; j++) { ds[row + j] = probs[row + j] * (ds[row + j] - dot); }
}`,
);

/**
 * One invocation per element (b, t, c), n = B·T·D, head h = c/dh:
 * dv = Σ_i P[i, t]·dO[i, c]; dq = scale·Σ_j dS[t, j]·K[j, c]; dk = scale·Σ_i dS[i, t]·Q[i, c].
 */
const GRADS = wgsl(
  "attention.grads",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> probs: array<f32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read> ds: array<f32>;
@group(0) @binding(5) var<storage, read_write> dq: array<f32>;
@group(0) @binding(6) var<storage, read_write> dk: array<f32>;
@group(0) @binding(7) var<storage, read_write> dv: array<f32>;
${PARAMS}
@group(0) @binding(8) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let e = flat(gid, ng);
  if (e >= p.n) { return; }
  let c = e % p.d;
  let bt = e / p.d;
  let b = bt / p.t;
  let t = bt % p.t;
  let block = (b * p.heads + c / p.dh) * p.t * p.t;
  var gq = 0.0;
  var gk = 0.0;
  var gv = 0.0;
  for (var j = 0u; j < p.t; j++) {
    let x = (b * p.t + j) * p.d + c;
    gq += ds[block + t * p.t + j] * k[x];
    gk += ds[block + j * p.t + t] * q[x];
    gv += probs[block + j * p.t + t] * dout[x];
  }
  dq[e] = p.scale * gq;
  dk[e] = p.scale * gk;
  dv[e] = gv;
}`,
);

/**
 * The attention kernels of a WebGPU backend: forward, scores → row softmax → weighted
 * values; backward, dP = dO·Vᵀ → softmax backward (both in a pooled, unaccounted scratch,
 * like a CPU kernel's local arrays) → dq, dk and dv together. Each invocation loops over at
 * most dh or a few times T items (Mesa's software adapter stops an invocation's loops
 * after 65,535 iterations in all).
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { attention } = attentionKernels(await WebGpuBackend.create());
 * ```
 */
export function attentionKernels(bk: WebGpuBackend): Pick<KernelTable, "attention" | "attentionBackward"> {
  /** Queues `kernel` over `n` invocations with the uniforms of `dims`. */
  const launch = (kernel: KernelSource, bind: GPUBuffer[], n: number, dims: Dims): void => {
    const { T, D, heads, causal } = dims, dh = D / heads;
    bk.runner.run(kernel, {
      bind,
      params: { u: [n, heads, T, D, dh, causal ? 1 : 0], f: [1 / Math.sqrt(dh)] },
      groups: grid1d(n),
    });
  };
  return {
    attention(q, k, v, heads, causal) {
      // S = Q·Kᵀ/√dh (key j > query i masked when causal); P = softmax_j(S); O = P·V
      const [B, T, D] = q.shape as [number, number, number];
      if (T * (D / heads) === 0) {
        return { out: bk.alloc([B, T, D], "f32"), probs: bk.alloc([B, heads, T, T], "f32") };
      }
      const out = bk.output([B, T, D], "f32"), probs = bk.output([B, heads, T, T], "f32");
      const dims = { T, D, heads, causal }, rows = B * heads * T, P = gpuBuffer(probs);
      launch(SCORES, [gpuBuffer(q), gpuBuffer(k), P], rows * T, dims);
      launch(SOFTMAX, [P], rows, dims);
      launch(OUT, [P, gpuBuffer(v), gpuBuffer(out)], B * T * D, dims);
      return { out, probs };
    },
    attentionBackward(q, k, v, probs, dout, heads) {
      // dV = Pᵀ·dO; dP = dO·Vᵀ; dS = P⊙(dP − rowsum(dP⊙P)); dQ = dS·K·s; dK = dSᵀ·Q·s
      const [B, T, D] = q.shape as [number, number, number];
      const shape = [B, T, D];
      if (T * (D / heads) === 0) {
        return { dq: bk.alloc(shape, "f32"), dk: bk.alloc(shape, "f32"), dv: bk.alloc(shape, "f32") };
      }
      const dq = bk.output(shape, "f32"), dk = bk.output(shape, "f32"), dv = bk.output(shape, "f32");
      const dims = { T, D, heads, causal: false }, rows = B * heads * T;
      const ds = bk.pool.take(rows * T * 4), P = gpuBuffer(probs), dO = gpuBuffer(dout);
      launch(DPROBS, [gpuBuffer(v), dO, ds], rows * T, dims);
      launch(DSCORES, [P, ds], rows, dims);
      const grads = [gpuBuffer(dq), gpuBuffer(dk), gpuBuffer(dv)];
      launch(GRADS, [gpuBuffer(q), gpuBuffer(k), P, dO, ds, ...grads], B * T * D, dims);
      // Later commands run after these in queue order, so the scratch can be reused at once.
      bk.pool.give(ds);
      return { dq, dk, dv };
    },
  };
}
