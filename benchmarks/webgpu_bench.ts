/**
 * WebGPU benchmark on whatever adapter is present: matmul GFLOP/s for square sizes, the
 * transposed operand layouts at one size, then the reference MLP step (32 blocks, width 256,
 * hidden 1024, batch 64) under the store-all plan, forward + backward, median after warm-up.
 *
 * Every product is spot-checked against float64 dot products before it is timed
 * (`webgpu_matmul.ts` says how products are checked and timed). Sizes of the default list
 * whose product would take over a minute at the rate seen so far are skipped; name them in
 * `--sizes` to force them.
 *
 *   deno task bench:webgpu [--sizes 512,1024,2048,4096] [--steps 5] [--json out.json]
 * @module
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  executePlan,
  initParams,
  type MatmulOptions,
  mlp,
  releaseParams,
  storeAllPlan,
  type Tensor,
  uploadBatch,
} from "@remat/core";
import { WebGpuBackend } from "@remat/webgpu";
import { type MatmulTiming, median, timeMatmul } from "./webgpu_matmul.ts";
import { teacher } from "@remat/datasets";
import { formatBytes } from "@remat/cli";

const { values } = parseArgs({
  options: {
    sizes: { type: "string" },
    steps: { type: "string", default: "5" },
    json: { type: "string" },
  },
});
const DEFAULT_SIZES = [512, 1024, 2048, 4096];
const sizes = values.sizes === undefined ? DEFAULT_SIZES : values.sizes.split(",").map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) {
  throw new Error(`--sizes: positive integers, got ${values.sizes}`);
}
const steps = Math.max(1, Number(values.steps));
/** Batches are sized to take about this long. */
const BATCH_MS = 200;
/** A default size is skipped when one product is predicted to take longer than this. */
const SKIP_MS = 60_000;

interface Result {
  adapter: string;
  matmul: MatmulTiming[];
  skipped: number[];
  mlpStep?: { ms: number; gflops: number; dispatches: number; peakBytes: number };
  mlpStepError?: string;
}

const gpu = await WebGpuBackend.create();
const result: Result = { adapter: gpu.device, matmul: [], skipped: [] };
console.log(`adapter      ${gpu.device}`);

let rate = Infinity; // the slowest GFLOP/s seen so far, for predicting later sizes
for (const n of sizes) {
  const predicted = (2 * n ** 3) / (rate * 1e6);
  if (values.sizes === undefined && predicted > SKIP_MS) {
    console.log(
      `matmul ${String(n).padStart(4)}²  skipped: about ${
        (predicted / 1000).toFixed(0)
      } s per product here (--sizes ${n} forces it)`,
    );
    result.skipped.push(n);
    continue;
  }
  const r = await benchProduct(n, false, false);
  rate = Math.min(rate, r.gflops);
}

// the transposed layouts at the largest size up to 2048 that ran
const ran = result.matmul.map((r) => r.size);
const layoutSize = Math.max(...ran.filter((n) => n <= 2048), Math.min(...ran));
if (Number.isFinite(layoutSize)) {
  for (const [transA, transB] of [[false, true], [true, false], [true, true]] as const) {
    await benchProduct(layoutSize, transA, transB);
  }
}

try {
  result.mlpStep = await benchStep();
  const s = result.mlpStep;
  console.log(
    `mlp step     ${
      s.ms.toFixed(1)
    } ms median of ${steps} after 2 warm-up (batch 64, store-all, forward + backward), ` +
      `${s.gflops.toFixed(1)} GFLOP/s in its matmuls, ${s.dispatches} dispatches, peak activations ${
        formatBytes(s.peakBytes)
      }`,
  );
} catch (e) {
  result.mlpStepError = e instanceof Error ? e.message : String(e);
  console.log(`mlp step     could not run: ${result.mlpStepError}`);
}
console.log(
  `pipelines    ${gpu.runner.stats.pipelines} cached; buffer pool holds ${formatBytes(gpu.pooledBytes)}`,
);
gpu.dispose();
if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));

/** Checks, then times op(a)·op(b) with n×n operands; logs and records the result. */
async function benchProduct(n: number, transA: boolean, transB: boolean): Promise<MatmulTiming> {
  const r = await timeMatmul(gpu, n, { layout: { transA, transB }, batchMs: BATCH_MS });
  result.matmul.push(r);
  const name = `matmul ${String(n).padStart(4)}²${transA ? " Aᵀ" : ""}${transB ? " Bᵀ" : ""}`;
  console.log(
    `${name.padEnd(18)} ${r.ms.toFixed(3).padStart(10)} ms ${r.gflops.toFixed(1).padStart(9)} GFLOP/s  ` +
      `(${r.tile}² tiles; median of ${r.batches} batch${r.batches === 1 ? "" : "es"} of ${r.perBatch})`,
  );
  return r;
}

/** The reference MLP step under store-all: median time, matmul rate and dispatches per step. */
async function benchStep(): Promise<NonNullable<Result["mlpStep"]>> {
  let flops = 0;
  const matmul = gpu.kernels.matmul;
  (gpu.kernels as { matmul: typeof matmul }).matmul = (a: Tensor, b: Tensor, o: MatmulOptions) => {
    const c = matmul(a, b, o);
    flops += 2 * c.size * (o.transA ? a.size / a.shape[a.shape.length - 1]! : a.shape[a.shape.length - 1]!);
    return c;
  };
  const linear = gpu.kernels.linear; // the fused linear layers' products count too
  (gpu.kernels as { linear: typeof linear }).linear = (x, w, bias, act) => {
    flops += 2 * x.shape[0]! * x.shape[1]! * w.shape[1]!;
    return linear(x, w, bias, act);
  };
  const chain = mlp({ depth: 32, width: 256, hidden: 1024, classes: 10 });
  const params = initParams(chain, gpu, 0);
  const { x, y } = uploadBatch(teacher({ inputs: 256, classes: 10 }), { backend: gpu, chain, size: 64 });
  const plan = storeAllPlan(chain.stages.length);
  const times: number[] = [];
  let peak = 0, dispatches = 0;
  try {
    for (let s = 0; s < 2 + steps; s++) {
      flops = 0;
      const before = gpu.runner.stats.dispatches;
      const t0 = performance.now();
      const out = executePlan(plan, {
        backend: gpu,
        chain,
        params,
        batch: { x, y },
        key: { seed: 0, step: s },
      });
      await gpu.flush();
      const ms = performance.now() - t0;
      out.loss.release();
      for (const g of out.grads.flat()) g.release();
      if (s >= 2) times.push(ms);
      peak = out.peakBytes;
      dispatches = gpu.runner.stats.dispatches - before;
    }
  } finally {
    x.release();
    y.release();
    releaseParams(params);
    (gpu.kernels as { matmul: typeof matmul }).matmul = matmul;
    (gpu.kernels as { linear: typeof linear }).linear = linear;
  }
  const ms = median(times);
  return { ms, gflops: flops / (ms * 1e6), dispatches, peakBytes: peak };
}
