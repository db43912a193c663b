/**
 * Elementwise kernels: one invocation per element, the same formulas as the CPU backend.
 * Exponentials are written so they cannot overflow to NaN (WGSL's `tanh` and `exp` of
 * large arguments are not pinned down across drivers).
 * @module
 */
import type { KernelTable, Tensor } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { FLAT_INDEX, grid1d, type KernelSource, WG, wgsl } from "../wgsl.ts";

type Elementwise = Pick<
  KernelTable,
  | "add"
  | "mul"
  | "scale"
  | "biasAdd"
  | "relu"
  | "reluBackward"
  | "gelu"
  | "geluBackward"
  | "tanh"
  | "tanhBackward"
>;

/**
 * WGSL helpers shared by the formulas: a stable tanh and GELU's `s = 1/(e^{2u} + 1)`. The fused
 * linear kernel includes the same text, so its gelu has the same bits.
 */
export const ACTIVATION_MATH = /* wgsl */ `
fn stableTanh(v: f32) -> f32 {
  let e = exp(-2.0 * abs(v));
  return sign(v) * (1.0 - e) / (1.0 + e);
}
fn geluS(v: f32) -> f32 {
  let u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
  // 1/(e^{2u} + 1) = ½(1 − tanh u), computed without overflow
  return 0.5 * (1.0 - stableTanh(u));
}`;

/**
 * A kernel `out[i] = expr` over `arity` f32 inputs named a, b, c, read as ai, bi, ci (and `s`,
 * `n` in the uniforms: element count and one f32 scalar). `overwriteB`: the result goes over b
 * itself (bound read_write, no `out`); each invocation reads its b[i] before writing it.
 * @example
 * ```ts
 * const SQUARE = mapKernel("square", 1, "ai * ai");
 * ```
 */
export function mapKernel(name: string, arity: 1 | 2 | 3, expr: string, overwriteB = false): KernelSource {
  const inputs = ["a", "b", "c"].slice(0, arity);
  const access = (v: string) => (overwriteB && v === "b" ? "read_write" : "read");
  const outputs = overwriteB ? 0 : 1;
  return wgsl(
    `elementwise.${name}${overwriteB ? ".inPlace" : ""}`,
    /* wgsl */ `
${inputs.map((v, i) => `@group(0) @binding(${i}) var<storage, ${access(v)}> ${v}: array<f32>;`).join("\n")}
${overwriteB ? "" : `@group(0) @binding(${arity}) var<storage, read_write> out: array<f32>;`}
struct P { n: u32, s: f32 }
@group(0) @binding(${arity + outputs}) var<uniform> p: P;
${FLAT_INDEX}
${ACTIVATION_MATH}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.n) { return; }
  let s = p.s;
  ${inputs.map((v) => `let ${v}i = ${v}[i];`).join(" ")}
  ${overwriteB ? "b" : "out"}[i] = ${expr};
}`,
  );
}

const ADD = mapKernel("add", 2, "ai + bi");
const MUL = mapKernel("mul", 2, "ai * bi");
const SCALE = mapKernel("scale", 1, "s * ai");
const RELU = mapKernel("relu", 1, "max(ai, 0.0)");
const RELU_BACKWARD_EXPR = "select(0.0, bi, ai > 0.0)";
const RELU_BACKWARD = mapKernel("reluBackward", 2, RELU_BACKWARD_EXPR);
const RELU_BACKWARD_IN_PLACE = mapKernel("reluBackward", 2, RELU_BACKWARD_EXPR, true);
const GELU = mapKernel("gelu", 1, "ai - ai * geluS(ai)");
const GELU_BACKWARD_EXPR =
  "bi * ((1.0 - geluS(ai)) + 2.0 * ai * geluS(ai) * (1.0 - geluS(ai)) * 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * ai * ai))";
const GELU_BACKWARD = mapKernel("geluBackward", 2, GELU_BACKWARD_EXPR);
const GELU_BACKWARD_IN_PLACE = mapKernel("geluBackward", 2, GELU_BACKWARD_EXPR, true);
const TANH = mapKernel("tanh", 1, "stableTanh(ai)");
const TANH_BACKWARD = mapKernel("tanhBackward", 2, "bi * (1.0 - ai * ai)");

const BIAS_ADD = wgsl(
  "elementwise.biasAdd",
  /* wgsl */ `
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
struct P { n: u32, cols: u32 }
@group(0) @binding(3) var<uniform> p: P;
${FLAT_INDEX}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let i = flat(gid, ng);
  if (i >= p.n) { return; }
  out[i] = x[i] + bias[i % p.cols];
}`,
);

/**
 * Runs a `mapKernel` over `like`'s elements into a fresh tensor of its shape.
 * @example
 * ```ts
 * const apply = mapRunner(bk);
 * const y = apply(SQUARE, x, [x]);
 * ```
 */
export function mapRunner(
  bk: WebGpuBackend,
): (kernel: KernelSource, like: Tensor, inputs: ReadonlyArray<Tensor>, s?: number) => Tensor {
  return (kernel, like, inputs, s = 0) => {
    const out = bk.output(like.shape, "f32");
    const n = like.size;
    bk.runner.run(kernel, {
      bind: [...inputs.map(gpuBuffer), gpuBuffer(out)],
      params: { u: [n], f: [s] },
      groups: grid1d(n),
    });
    return out;
  };
}

/**
 * The elementwise kernels of a WebGPU backend.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { relu } = elementwiseKernels(await WebGpuBackend.create());
 * ```
 */
export function elementwiseKernels(bk: WebGpuBackend): Elementwise {
  const apply = mapRunner(bk);
  /** `kernel` writing over dy; returns a new reference to it. */
  const overwrite = (kernel: KernelSource, x: Tensor, dy: Tensor): Tensor => {
    const n = x.size;
    bk.runner.run(kernel, {
      bind: [gpuBuffer(x), gpuBuffer(dy)],
      params: { u: [n], f: [0] },
      groups: grid1d(n),
    });
    return dy.retain();
  };
  return {
    add: (a, b) => apply(ADD, a, [a, b]),
    mul: (a, b) => apply(MUL, a, [a, b]),
    scale: (x, s) => apply(SCALE, x, [x], s),
    relu: (x) => apply(RELU, x, [x]),
    reluBackward: (x, dy, inPlace) =>
      inPlace ? overwrite(RELU_BACKWARD_IN_PLACE, x, dy) : apply(RELU_BACKWARD, x, [x, dy]),
    gelu: (x) => apply(GELU, x, [x]),
    geluBackward: (x, dy, inPlace) =>
      inPlace ? overwrite(GELU_BACKWARD_IN_PLACE, x, dy) : apply(GELU_BACKWARD, x, [x, dy]),
    tanh: (x) => apply(TANH, x, [x]),
    tanhBackward: (y, dy) => apply(TANH_BACKWARD, y, [y, dy]),
    biasAdd(x, bias) {
      const out = bk.output(x.shape, "f32");
      const n = x.size;
      bk.runner.run(BIAS_ADD, {
        bind: [gpuBuffer(x), gpuBuffer(bias), gpuBuffer(out)],
        params: { u: [n, bias.size] },
        groups: grid1d(n),
      });
      return out;
    },
  };
}
