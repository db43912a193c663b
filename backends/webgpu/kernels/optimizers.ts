/**
 * Optimizer steps, in place: parameter and state buffers are bound read_write and each
 * invocation updates its own element. Scalar factors the CPU backend computes once (the
 * bias corrections, 1 − β) are computed on the host in float64 and passed as f32 uniforms.
 * @module
 */
import type { KernelTable } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { FLAT_INDEX, grid1d, WG, wgsl } from "../wgsl.ts";

/** v = μv + g + λp; p −= lr·v. Uniforms n, then lr, μ, λ. */
const SGD = wgsl(
  "optimizers.sgd",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> velocity: array<f32>;
struct P { n: u32, lr: f32, momentum: f32, weightDecay: f32 }
@group(0) @binding(3) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.n) { return; }
  let pi = param[i];
  let vi = p.momentum * velocity[i] + grad[i] + p.weightDecay * pi;
  velocity[i] = vi;
  param[i] = pi - p.lr * vi;
}`,
);

/**
 * m = β1·m + (1 − β1)g; v = β2·v + (1 − β2)g²; p −= lr·((m/bc1)/(√(v/bc2) + ε) + λp).
 * Uniforms n, then lr, β1, 1 − β1, β2, 1 − β2, bc1, bc2, ε, λ.
 */
const ADAMW = wgsl(
  "optimizers.adamw",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
struct P {
  n: u32,
  lr: f32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32,
  bc1: f32, bc2: f32, eps: f32, weightDecay: f32,
}
@group(0) @binding(4) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.n) { return; }
  let gi = grad[i];
  let mi = p.beta1 * m[i] + p.oneMinusBeta1 * gi;
  let vi = p.beta2 * v[i] + p.oneMinusBeta2 * gi * gi;
  m[i] = mi;
  v[i] = vi;
  let pi = param[i];
  param[i] = pi - p.lr * ((mi / p.bc1) / (sqrt(vi / p.bc2) + p.eps) + p.weightDecay * pi);
}`,
);

/**
 * The optimizer kernels of a WebGPU backend; they allocate nothing.
 * @param bk the backend whose runner queues the updates
 * @example
 * ```ts
 * const { sgdStep } = optimizerKernels(await WebGpuBackend.create());
 * ```
 */
export function optimizerKernels(bk: WebGpuBackend): Pick<KernelTable, "sgdStep" | "adamwStep"> {
  return {
    sgdStep(param, grad, velocity, hyper) {
      const { lr, momentum, weightDecay } = hyper, n = param.size;
      bk.runner.run(SGD, {
        bind: [gpuBuffer(param), gpuBuffer(grad), gpuBuffer(velocity)],
        params: { u: [n], f: [lr, momentum, weightDecay] },
        groups: grid1d(n),
      });
    },
    adamwStep(param, grad, m, v, hyper) {
      const { lr, beta1, beta2, eps, weightDecay, t } = hyper, n = param.size;
      const bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
      bk.runner.run(ADAMW, {
        bind: [gpuBuffer(param), gpuBuffer(grad), gpuBuffer(m), gpuBuffer(v)],
        params: { u: [n], f: [lr, beta1, 1 - beta1, beta2, 1 - beta2, bc1, bc2, eps, weightDecay] },
        groups: grid1d(n),
      });
    },
  };
}
