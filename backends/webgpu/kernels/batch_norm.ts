/**
 * Batch norm kernels on WebGPU, channel axis 1 of x [N, C, ...]: the per-channel sums run in
 * one invocation per channel over n, then the remaining positions, in order (the CPU backend's
 * order, deterministic; a serial loop, simple rather than fast), and the elementwise parts run
 * one invocation per element.
 * @module
 */
import type { KernelTable, Tensor } from "@remat/core";
import { gpuBuffer, type WebGpuBackend } from "../webgpu_backend.ts";
import { grid1d, type KernelSource, perElement } from "../wgsl.ts";

/** A shader over f32 storage buffers `names` (the last `writes` of them read_write) and the uniforms. */
function kernel(name: string, names: string[], writes: number, body: string): KernelSource {
  return perElement(`batchNorm.${name}`, {
    storage: names.map((n, i) => ({
      name: n,
      type: "f32",
      access: i >= names.length - writes ? "read_write" : "read",
    })),
    params: "struct P { total: u32, N: u32, C: u32, S: u32, eps: f32, momentum: f32, unbias: f32 }",
    body,
  });
}

// e = channel
const STATS = kernel(
  "stats",
  ["x", "mean", "rstd"],
  2,
  /* wgsl */ `
  let M = f32(p.N * p.S);
  var s = 0.0;
  for (var n = 0u; n < p.N; n++) { for (var i = 0u; i < p.S; i++) { s += x[(n * p.C + e) * p.S + i]; } }
  let mu = s / M;
  var q = 0.0;
  for (var n = 0u; n < p.N; n++) {
    for (var i = 0u; i < p.S; i++) { let d = x[(n * p.C + e) * p.S + i] - mu; q += d * d; }
  }
  mean[e] = mu;
  rstd[e] = 1.0 / sqrt(q / M + p.eps);`,
);

// e = element; c its channel
const CHANNEL = /* wgsl */ `let c = (e / p.S) % p.C;`;

const NORMALISE = kernel(
  "normalise",
  ["x", "gamma", "beta", "mean", "rstd", "y"],
  1,
  /* wgsl */ `  ${CHANNEL}
  y[e] = (x[e] - mean[c]) * rstd[c] * gamma[c] + beta[c];`,
);

const INFERENCE = kernel(
  "inference",
  ["x", "gamma", "beta", "mean", "variance", "y"],
  1,
  /* wgsl */ `  ${CHANNEL}
  y[e] = (x[e] - mean[c]) * (1.0 / sqrt(variance[c] + p.eps)) * gamma[c] + beta[c];`,
);

// e = channel
const BACKWARD_SUMS = kernel(
  "backwardSums",
  ["x", "mean", "rstd", "dy", "dgamma", "dbeta"],
  2,
  /* wgsl */ `
  var sb = 0.0; var sg = 0.0;
  for (var n = 0u; n < p.N; n++) {
    for (var i = 0u; i < p.S; i++) {
      let at = (n * p.C + e) * p.S + i;
      sb += dy[at];
      sg += dy[at] * (x[at] - mean[e]) * rstd[e];
    }
  }
  dbeta[e] = sb;
  dgamma[e] = sg;`,
);

const BACKWARD_INPUT = kernel(
  "backwardInput",
  ["x", "gamma", "mean", "rstd", "dy", "dgamma", "dbeta", "dx"],
  1,
  /* wgsl */ `  ${CHANNEL}
  let M = f32(p.N * p.S);
  let r = rstd[c];
  dx[e] = gamma[c] * r * (dy[e] - dbeta[c] / M - (x[e] - mean[c]) * r * (dgamma[c] / M));`,
);

// e = channel; in place on the running statistics
const UPDATE = kernel(
  "update",
  ["mean", "rstd", "runningMean", "runningVar"],
  2,
  /* wgsl */ `
  let variance = (1.0 / (rstd[e] * rstd[e]) - p.eps) * p.unbias;
  runningMean[e] = (1.0 - p.momentum) * runningMean[e] + p.momentum * mean[e];
  runningVar[e] = (1.0 - p.momentum) * runningVar[e] + p.momentum * variance;`,
);

/**
 * The batch norm kernels of a WebGPU backend.
 * @param bk the backend whose pool and accountant own the outputs
 * @example
 * ```ts
 * const { batchNorm } = batchNormKernels(await WebGpuBackend.create());
 * ```
 */
export function batchNormKernels(
  bk: WebGpuBackend,
): Pick<KernelTable, "batchNorm" | "batchNormBackward" | "batchNormInference" | "batchNormUpdate"> {
  const run = (source: KernelSource, ts: Tensor[], x: Tensor, total: number, f: number[] = [0, 0, 0]) => {
    const n = x.shape[0]!, c = x.shape[1]!;
    bk.runner.run(source, {
      bind: ts.map(gpuBuffer),
      params: { u: [total, n, c, x.size / (n * c)], f },
      groups: grid1d(total),
    });
  };
  return {
    batchNorm(x, gamma, beta, eps) {
      const C = x.shape[1]!;
      const mean = bk.output([C], "f32"), rstd = bk.output([C], "f32"), y = bk.output(x.shape, "f32");
      run(STATS, [x, mean, rstd], x, C, [eps, 0, 0]);
      run(NORMALISE, [x, gamma, beta, mean, rstd, y], x, x.size);
      return { y, mean, rstd };
    },
    batchNormBackward(x, gamma, mean, rstd, dy) {
      const C = x.shape[1]!;
      const dgamma = bk.output([C], "f32"), dbeta = bk.output([C], "f32"), dx = bk.output(x.shape, "f32");
      run(BACKWARD_SUMS, [x, mean, rstd, dy, dgamma, dbeta], x, C);
      run(BACKWARD_INPUT, [x, gamma, mean, rstd, dy, dgamma, dbeta, dx], x, x.size);
      return { dx, dgamma, dbeta };
    },
    batchNormInference(x, gamma, beta, mean, variance, eps) {
      const y = bk.output(x.shape, "f32");
      run(INFERENCE, [x, gamma, beta, mean, variance, y], x, x.size, [eps, 0, 0]);
      return y;
    },
    batchNormUpdate(runningMean, runningVar, mean, rstd, o) {
      const unbias = o.count > 1 ? o.count / (o.count - 1) : 1;
      // the uniforms' N, C, S are unused here: the element count is the channel count
      bk.runner.run(UPDATE, {
        bind: [mean, rstd, runningMean, runningVar].map(gpuBuffer),
        params: { u: [mean.size, 1, mean.size, 1], f: [o.eps, o.momentum, unbias] },
        groups: grid1d(mean.size),
      });
    },
  };
}
