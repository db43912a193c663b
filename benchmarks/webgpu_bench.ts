/**
 * WebGPU benchmark on whatever adapter is present: matmul GFLOP/s for square sizes (each
 * product spot-checked against float64 dot products first, so a wrong kernel never reports a
 * speed), then the reference MLP step (32 blocks, width 256, hidden 1024, batch 64) under the
 * store-all plan, forward + backward, median after warm-up.
 *
 *   deno task bench:webgpu [--sizes 512,1024,2048,4096] [--steps 5] [--json out.json]
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { executePlan, initParams, mlp, releaseParams, storeAllPlan, type Tensor } from "@remat/core";
import { WebGpuBackend } from "@remat/webgpu";
import { teacher } from "../examples/data/teacher.ts";
import { formatBytes } from "../examples/format.ts";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "512,1024,2048,4096" },
    steps: { type: "string", default: "5" },
    json: { type: "string" },
  },
});
const sizes = values.sizes!.split(",").map(Number);
const steps = Math.max(1, Number(values.steps));

const gpu = await WebGpuBackend.create();
const result: { adapter: string; matmul: Array<{ size: number; ms: number; gflops: number }>; mlpStep?: { ms: number; peakBytes: number } } = {
  adapter: gpu.device,
  matmul: [],
};
log(`adapter      ${gpu.device}`);

const random = (n: number, seed: number) => {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
};

for (const n of sizes) {
  const ha = random(n * n, 1), hb = random(n * n, 2);
  const a = gpu.upload(ha, [n, n], "f32"), b = gpu.upload(hb, [n, n], "f32");
  // correctness first: a few entries against a float64 dot product
  const c0 = gpu.kernels.matmul(a, b, {});
  const got = (await gpu.read(c0)) as Float32Array;
  c0.release();
  for (const [i, j] of [[0, 0], [n - 1, n - 1], [n >> 1, n >> 2], [n - 1, 0]] as const) {
    let want = 0;
    for (let k = 0; k < n; k++) want += ha[i * n + k]! * hb[k * n + j]!;
    if (Math.abs(got[i * n + j]! - want) > 1e-3 * Math.sqrt(n)) {
      throw new Error(`matmul ${n}²: c[${i}, ${j}] = ${got[i * n + j]}, expected ${want}; not timing a wrong kernel`);
    }
  }
  // time: repetitions until ≥ 1 s (at most 10), median of single-product times
  const times: number[] = [];
  let spent = 0;
  while (times.length < 10 && (spent < 1000 || times.length < 3)) {
    const t0 = performance.now();
    const c = gpu.kernels.matmul(a, b, {});
    await gpu.flush();
    const ms = performance.now() - t0;
    c.release();
    times.push(ms);
    spent += ms;
    if (ms > 20_000) break; // the software adapter at 4096²: one product is enough
  }
  const ms = median(times);
  const gflops = (2 * n ** 3) / (ms * 1e6);
  result.matmul.push({ size: n, ms, gflops });
  log(`matmul ${String(n).padStart(4)}² ${ms.toFixed(2).padStart(10)} ms  ${gflops.toFixed(1).padStart(8)} GFLOP/s  (${times.length} runs)`);
  a.release();
  b.release();
}

// the reference MLP step
const chain = mlp({ depth: 32, width: 256, hidden: 1024, classes: 10 });
const params = initParams(chain, gpu, 0);
const host = teacher({ inputs: 256, classes: 10 }).batch(0, 64);
const x = gpu.upload(host.x as Float32Array, [64, 256], "f32", "io");
const y = gpu.upload(host.y, [64], "i32", "io");
const plan = storeAllPlan(chain.stages.length);
const times: number[] = [];
let peak = 0;
for (let s = 0; s < 2 + steps; s++) {
  const t0 = performance.now();
  const out = executePlan(gpu, chain, params, plan, { x, y }, { seed: 0, step: s });
  const grads: Tensor[] = out.grads.flat();
  await gpu.flush();
  const ms = performance.now() - t0;
  out.loss.release();
  for (const g of grads) g.release();
  if (s >= 2) times.push(ms);
  peak = out.peakBytes;
}
result.mlpStep = { ms: median(times), peakBytes: peak };
log(`mlp step     ${median(times).toFixed(1)} ms median of ${steps} after 2 warm-up (${chain.name}, batch 64, store-all), peak activations ${formatBytes(peak)}`);
x.release();
y.release();
releaseParams(params);
log(`pipelines    ${gpu.runner.stats.pipelines} cached; buffer pool holds ${formatBytes(gpu.pooledBytes)}`);
gpu.dispose();

if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function log(s: string): void {
  process.stdout.write(`${s}\n`);
}
