/**
 * Reference step benchmark: forward + backward of the reference residual MLP (32 blocks,
 * width 256, hidden 1024, batch 64, 10 classes) under the store-all plan on the CPU backend.
 * Prints the median step time of ≥ 5 timed steps after warm-up (optimizer excluded), the
 * matmul GFLOP/s (flops counted from the matmuls actually run, the fused linear layers' included) and peak activation bytes.
 *
 *   deno task bench [--steps 7] [--warmup 2] [--depth 32 --width 256 --hidden 1024 --batch 64]
 * @module
 */
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
import { CpuBackend } from "@remat/cpu";
import { teacher } from "@remat/datasets";
import { formatBytes } from "@remat/cli";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "7" },
    warmup: { type: "string", default: "2" },
    depth: { type: "string", default: "32" },
    width: { type: "string", default: "256" },
    hidden: { type: "string", default: "1024" },
    batch: { type: "string", default: "64" },
  },
});
const [steps, warmup, depth, width, hidden, batch] = [
  values.steps,
  values.warmup,
  values.depth,
  values.width,
  values.hidden,
  values.batch,
].map(Number) as number[];

const backend = new CpuBackend();
let flops = 0;
const matmul = backend.kernels.matmul;
(backend.kernels as { matmul: typeof matmul }).matmul = (a: Tensor, b: Tensor, o: MatmulOptions) => {
  const c = matmul(a, b, o);
  const k = o.transA ? a.shape[0]! : a.shape[a.shape.length - 1]!;
  flops += 2 * c.size * k;
  return c;
};
// the fused linear layer's product counts too (its epilogue's few flops per output do not)
const linear = backend.kernels.linear;
(backend.kernels as { linear: typeof linear }).linear = (x, w, bias, act) => {
  flops += 2 * x.shape[0]! * x.shape[1]! * w.shape[1]!;
  return linear(x, w, bias, act);
};

const chain = mlp({ depth: depth!, width: width!, hidden: hidden!, classes: 10 });
const params = initParams(chain, backend, 0);
const plan = storeAllPlan(chain.stages.length);
const { x, y } = uploadBatch(teacher({ inputs: width!, classes: 10 }), { backend, chain, size: batch! });

const times: number[] = [];
let peak = 0;
for (let s = 0; s < warmup! + steps!; s++) {
  flops = 0;
  const t0 = performance.now();
  const out = executePlan(plan, { backend, chain, params, batch: { x, y }, key: { seed: 0, step: s } });
  await backend.flush();
  const ms = performance.now() - t0;
  out.loss.release();
  for (const row of out.grads) for (const g of row) g.release();
  if (s >= warmup!) times.push(ms);
  peak = out.peakBytes;
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
console.log(`model        ${chain.name}, batch ${batch}`);
console.log(`backend      ${backend.device}`);
console.log(
  `step         ${(median / 1000).toFixed(3)} s median of ${steps} (min ${
    (times[0]! / 1000).toFixed(3)
  } s, max ${(times[times.length - 1]! / 1000).toFixed(3)} s), forward+backward, optimizer excluded`,
);
console.log(
  `matmul       ${(flops / 1e9).toFixed(2)} GFLOP per step, ${(flops / 1e6 / median).toFixed(2)} GFLOP/s`,
);
console.log(`peak memory  ${formatBytes(peak)} activations (store-all)`);
x.release();
y.release();
releaseParams(params);
