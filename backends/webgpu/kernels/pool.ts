/**
 * 2-D pooling kernels in NCHW, one invocation per output element (forwards) or input element
 * (backwards, gathered over the windows that hold it, output positions ascending): the CPU
 * backend's order, so recomputation is bit-exact.
 * @module
 */
import { type KernelTable, pool2dShape, type PoolGeometry, type Shape, type Tensor } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { grid1d, type KernelSource, perElement, type StorageBinding } from "../wgsl.ts";

const PARAMS = /* wgsl */ `
struct P { total: u32, H: u32, W: u32, Ho: u32, Wo: u32, k: u32, s: u32, p: u32 }`;

/** A pooling shader over `inputs` (read) then `outputs` (read_write), each "name:type", and the uniforms. */
function kernel(name: string, inputs: string, outputs: string, body: string): KernelSource {
  const binding = (access: StorageBinding["access"]) => (v: string): StorageBinding => {
    const [n, type] = v.split(":");
    return { name: n!, type: type as StorageBinding["type"], access };
  };
  return perElement(`pool.${name}`, {
    storage: [...inputs.split(" ").map(binding("read")), ...outputs.split(" ").map(binding("read_write"))],
    params: PARAMS,
    // the first output row (or column) whose window holds input row h
    helpers:
      "fn firstWindow(h: u32) -> u32 { return u32(max(0, (i32(h + p.p) - i32(p.k) + 1 + i32(p.s) - 1) / i32(p.s))); }",
    body,
  });
}

// e indexes y [planes, Ho, Wo]
const WINDOW = /* wgsl */ `
  let ow = e % p.Wo; let oh = (e / p.Wo) % p.Ho; let plane = e / (p.Wo * p.Ho);
  let h0 = i32(oh * p.s) - i32(p.p); let v0 = i32(ow * p.s) - i32(p.p);`;

const MAX = kernel(
  "max",
  "x:f32",
  "y:f32 arg:i32",
  /* wgsl */ `${WINDOW}
  var best = 0.0; var at = -1;
  for (var i = 0; i < i32(p.k); i++) {
    let h = h0 + i;
    if (h < 0 || h >= i32(p.H)) { continue; }
    for (var j = 0; j < i32(p.k); j++) {
      let v = v0 + j;
      if (v < 0 || v >= i32(p.W)) { continue; }
      let val = x[(plane * p.H + u32(h)) * p.W + u32(v)];
      if (val > best || at < 0) { best = val; at = h * i32(p.W) + v; }
    }
  }
  y[e] = best;
  arg[e] = at;`,
);

const AVG = kernel(
  "avg",
  "x:f32",
  "y:f32",
  /* wgsl */ `${WINDOW}
  var acc = 0.0;
  for (var i = 0; i < i32(p.k); i++) {
    let h = h0 + i;
    if (h < 0 || h >= i32(p.H)) { continue; }
    for (var j = 0; j < i32(p.k); j++) {
      let v = v0 + j;
      if (v >= 0 && v < i32(p.W)) { acc += x[(plane * p.H + u32(h)) * p.W + u32(v)]; }
    }
  }
  y[e] = acc / f32(p.k * p.k);`,
);

// e indexes dx [planes, H, W]; loops over the windows holding (h, v)
const GATHER = /* wgsl */ `
  let v = e % p.W; let h = (e / p.W) % p.H; let plane = e / (p.W * p.H);
  let oh1 = min(p.Ho - 1u, (h + p.p) / p.s); let ow1 = min(p.Wo - 1u, (v + p.p) / p.s);
  var acc = 0.0;
  for (var oh = firstWindow(h); oh <= oh1; oh++) {
    for (var ow = firstWindow(v); ow <= ow1; ow++) {
      let o = (plane * p.Ho + oh) * p.Wo + ow;`;

const MAX_BACKWARD = kernel(
  "maxBackward",
  "dy:f32 arg:i32",
  "dx:f32",
  /* wgsl */ `${GATHER}
      if (arg[o] == i32(h * p.W + v)) { acc += dy[o]; }
    }
  }
  dx[e] = acc;`,
);

const AVG_BACKWARD = kernel(
  "avgBackward",
  "dy:f32",
  "dx:f32",
  /* wgsl */ `${GATHER}
      acc += dy[o];
    }
  }
  dx[e] = acc / f32(p.k * p.k);`,
);

/** The uniforms for input shape [N, C, H, W] and `total` invocations. */
function params(x: Shape, g: PoolGeometry, total: number): number[] {
  const [, , Ho, Wo] = pool2dShape(x, g);
  return [total, x[2]!, x[3]!, Ho!, Wo!, g.kernel, g.stride, g.padding];
}

/**
 * The pooling kernels of a WebGPU backend.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { maxPool2d } = poolKernels(await WebGpuBackend.create());
 * ```
 */
export function poolKernels(
  bk: WebGpuBackend,
): Pick<KernelTable, "maxPool2d" | "maxPool2dBackward" | "avgPool2d" | "avgPool2dBackward"> {
  const run = (source: KernelSource, ins: Tensor[], outs: Tensor[], u: number[], total: number) =>
    bk.runner.run(source, { bind: [...ins, ...outs].map(gpuBuffer), params: { u }, groups: grid1d(total) });
  const size = (s: Shape) => s.reduce((a, b) => a * b, 1);
  return {
    maxPool2d(x, g) {
      const shape = pool2dShape(x.shape, g);
      const y = bk.output(shape, "f32"), argmax = bk.output(shape, "i32");
      run(MAX, [x], [y, argmax], params(x.shape, g, y.size), y.size);
      return { y, argmax };
    },
    maxPool2dBackward(dy, argmax, g, xShape) {
      const dx = bk.output(xShape, "f32");
      run(MAX_BACKWARD, [dy, argmax], [dx], params(xShape, g, size(xShape)), dx.size);
      return dx;
    },
    avgPool2d(x, g) {
      const y = bk.output(pool2dShape(x.shape, g), "f32");
      run(AVG, [x], [y], params(x.shape, g, y.size), y.size);
      return y;
    },
    avgPool2dBackward(dy, g, xShape) {
      const dx = bk.output(xShape, "f32");
      run(AVG_BACKWARD, [dy], [dx], params(xShape, g, size(xShape)), dx.size);
      return dx;
    },
  };
}
