/**
 * 2-D convolution kernels in NCHW, one invocation per output element, summing in the CPU
 * backend's order (filter taps (c, i, j) for the forward, (k, i, j) for ∂x, output positions
 * (n, oh, ow) for ∂w), so a recompute gives the same bits.
 * @module
 */
import { conv2dShape, type ConvGeometry, type KernelTable, type Shape, type Tensor } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { grid1d, type KernelSource, perElement } from "../wgsl.ts";

/** The uniforms every conv kernel reads: sizes, geometry and the element count. */
const PARAMS = /* wgsl */ `
struct P { total: u32, N: u32, C: u32, H: u32, W: u32, K: u32, kh: u32, kw: u32, Ho: u32, Wo: u32, s: u32, p: u32, d: u32 }`;

/** A conv shader: inputs `a` and `b`, output `out`, the uniforms `P`. */
function kernel(name: string, body: string): KernelSource {
  return perElement(`conv.${name}`, {
    storage: [
      { name: "a", type: "f32", access: "read" },
      { name: "b", type: "f32", access: "read" },
      { name: "out", type: "f32", access: "read_write" },
    ],
    params: PARAMS,
    body,
  });
}

// a = x, b = w; e indexes y [N, K, Ho, Wo]
const FORWARD = kernel(
  "forward",
  /* wgsl */ `
  let ow = e % p.Wo; let oh = (e / p.Wo) % p.Ho; let k = (e / (p.Wo * p.Ho)) % p.K; let n = e / (p.Wo * p.Ho * p.K);
  var acc = 0.0;
  for (var c = 0u; c < p.C; c++) {
    for (var i = 0u; i < p.kh; i++) {
      let h = i32(oh * p.s + i * p.d) - i32(p.p);
      if (h < 0 || h >= i32(p.H)) { continue; }
      for (var j = 0u; j < p.kw; j++) {
        let v = i32(ow * p.s + j * p.d) - i32(p.p);
        if (v < 0 || v >= i32(p.W)) { continue; }
        acc += a[((n * p.C + c) * p.H + u32(h)) * p.W + u32(v)] * b[((k * p.C + c) * p.kh + i) * p.kw + j];
      }
    }
  }
  out[e] = acc;`,
);

// a = dy, b = w; e indexes dx [N, C, H, W]
const BACKWARD_INPUT = kernel(
  "backwardInput",
  /* wgsl */ `
  let v = e % p.W; let h = (e / p.W) % p.H; let c = (e / (p.W * p.H)) % p.C; let n = e / (p.W * p.H * p.C);
  var acc = 0.0;
  for (var k = 0u; k < p.K; k++) {
    for (var i = 0u; i < p.kh; i++) {
      let th = i32(h + p.p) - i32(i * p.d);
      if (th < 0 || u32(th) % p.s != 0u) { continue; }
      let oh = u32(th) / p.s;
      if (oh >= p.Ho) { continue; }
      for (var j = 0u; j < p.kw; j++) {
        let tv = i32(v + p.p) - i32(j * p.d);
        if (tv < 0 || u32(tv) % p.s != 0u) { continue; }
        let ow = u32(tv) / p.s;
        if (ow >= p.Wo) { continue; }
        acc += a[((n * p.K + k) * p.Ho + oh) * p.Wo + ow] * b[((k * p.C + c) * p.kh + i) * p.kw + j];
      }
    }
  }
  out[e] = acc;`,
);

// a = x, b = dy; e indexes dw [K, C, kh, kw]
const BACKWARD_FILTER = kernel(
  "backwardFilter",
  /* wgsl */ `
  let j = e % p.kw; let i = (e / p.kw) % p.kh; let c = (e / (p.kw * p.kh)) % p.C; let k = e / (p.kw * p.kh * p.C);
  var acc = 0.0;
  for (var n = 0u; n < p.N; n++) {
    for (var oh = 0u; oh < p.Ho; oh++) {
      let h = i32(oh * p.s + i * p.d) - i32(p.p);
      if (h < 0 || h >= i32(p.H)) { continue; }
      for (var ow = 0u; ow < p.Wo; ow++) {
        let v = i32(ow * p.s + j * p.d) - i32(p.p);
        if (v < 0 || v >= i32(p.W)) { continue; }
        acc += b[((n * p.K + k) * p.Ho + oh) * p.Wo + ow] * a[((n * p.C + c) * p.H + u32(h)) * p.W + u32(v)];
      }
    }
  }
  out[e] = acc;`,
);

/** The uniforms for x [N, C, H, W], w [K, C, kh, kw] and an output of `total` elements. */
function params(x: Shape, w: Shape, g: ConvGeometry, total: number): number[] {
  const [, , Ho, Wo] = conv2dShape(x, w, g);
  return [total, x[0]!, x[1]!, x[2]!, x[3]!, w[0]!, w[2]!, w[3]!, Ho!, Wo!, g.stride, g.padding, g.dilation];
}

/**
 * The conv2d kernels of a WebGPU backend.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { conv2d } = convKernels(await WebGpuBackend.create());
 * ```
 */
export function convKernels(
  bk: WebGpuBackend,
): Pick<KernelTable, "conv2d" | "conv2dBackwardInput" | "conv2dBackwardFilter"> {
  const run = (source: KernelSource, a: Tensor, b: Tensor, shape: Shape, u: number[]): Tensor => {
    const out = bk.output(shape, "f32");
    bk.runner.run(source, {
      bind: [gpuBuffer(a), gpuBuffer(b), gpuBuffer(out)],
      params: { u },
      groups: grid1d(out.size),
    });
    return out;
  };
  return {
    conv2d(x, w, g) {
      const shape = conv2dShape(x.shape, w.shape, g);
      return run(FORWARD, x, w, shape, params(x.shape, w.shape, g, shape.reduce((p, q) => p * q, 1)));
    },
    conv2dBackwardInput(dy, w, g, xShape) {
      return run(
        BACKWARD_INPUT,
        dy,
        w,
        xShape,
        params(xShape, w.shape, g, xShape.reduce((p, q) => p * q, 1)),
      );
    },
    conv2dBackwardFilter(x, dy, g, wShape) {
      return run(
        BACKWARD_FILTER,
        x,
        dy,
        wShape,
        params(x.shape, wShape, g, wShape.reduce((p, q) => p * q, 1)),
      );
    },
  };
}
