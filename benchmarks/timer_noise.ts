/**
 * How noisy step timing is on this machine, and which ratio estimator `remat bench` should
 * use: samples `--pairs` alternating (plan, store-all) steps of the reference MLP, then
 * estimates the plan / store-all ratio from every window of `--window` consecutive pairs by
 * three estimators (median of pair ratios, ratio of median times, ratio of fastest times)
 * and prints each one's mean and spread over the windows, beside the prediction.
 *
 *   deno run -A --v8-flags=--expose-gc benchmarks/timer_noise.ts [--strategy sqrt] [--pairs 60] [--window 9,27]
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { initParams, measureProfile, releaseParams, uploadBatch } from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { buildModel } from "../plugins/cli/model_options.ts";
import { PairedTimer } from "../plugins/cli/paired_timer.ts";
import { comparedStrategies } from "../plugins/cli/strategy_suite.ts";

const { values } = parseArgs({
  options: {
    strategy: { type: "string", default: "sqrt" },
    pairs: { type: "string", default: "60" },
    window: { type: "string", default: "9,27" },
  },
});
const pairs = Number(values.pairs);
const windows = values.window!.split(",").map(Number);
if (
  !Number.isInteger(pairs) || pairs < 2 || windows.some((w) => !Number.isInteger(w) || w < 1 || w > pairs)
) {
  console.error(
    `timer_noise: --pairs ${values.pairs} --window ${values.window}: expected an integer pairs ≥ 2 and windows in 1..pairs`,
  );
  process.exit(2);
}
const { chain, data, batch } = buildModel({ preset: "reference-mlp" });
const backend = new CpuBackend();
const profile = await measureProfile(chain, backend, batch);
const plans = comparedStrategies(profile);
const plan = plans.find((p) => p.strategy.startsWith(values.strategy!));
if (!plan) {
  console.error(
    `timer_noise: --strategy "${values.strategy}": expected one of ${
      plans.map((p) => p.strategy.split("(")[0]).join(", ")
    }`,
  );
  process.exit(2);
}
const base = plans[0]!;
const params = initParams(chain, backend, 0);
const host = uploadBatch(data, { backend, chain, size: batch });
const timer = await new PairedTimer(backend, chain, params, host, base, pairs).warmUp();
const a: number[] = [], b: number[] = [];
await timer.step(plan, 0);
for (let s = 1; s <= pairs; s++) {
  if (s % 2 === 0) (a.push((await timer.step(plan, s)).ms), b.push((await timer.step(base, s)).ms));
  else (b.push((await timer.step(base, s)).ms), a.push((await timer.step(plan, s)).ms));
  if (s % 10 === 0) console.error(`timer_noise ${s}/${pairs} pairs`);
}
host.x.release();
host.y.release();
releaseParams(params);

const median = (xs: ReadonlyArray<number>) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
const estimators: Record<string, (a: number[], b: number[]) => number> = {
  "median of pair ratios": (x, y) => median(x.map((t, i) => t / y[i]!)),
  "ratio of median times": (x, y) => median(x) / median(y),
  "ratio of fastest times": (x, y) => Math.min(...x) / Math.min(...y),
};
const predicted = plan.summary().predictedTime / base.summary().predictedTime;
console.log(
  `${plan.strategy} against storeAll, reference MLP, ${pairs} pairs: predicted ×${predicted.toFixed(3)}`,
);
console.log(
  `step times, ms: plan ${Math.min(...a).toFixed(0)}–${Math.max(...a).toFixed(0)} (median ${
    median(a).toFixed(0)
  }), store-all ${Math.min(...b).toFixed(0)}–${Math.max(...b).toFixed(0)} (median ${median(b).toFixed(0)})`,
);
for (const [name, f] of Object.entries(estimators)) {
  const parts = windows.map((w) => {
    const xs: number[] = [];
    for (let s = 0; s + w <= pairs; s++) xs.push(f(a.slice(s, s + w), b.slice(s, s + w)));
    const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((p, q) => p + (q - mean) ** 2, 0) / xs.length);
    return `windows of ${w}: ×${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
  });
  console.log(`${name.padEnd(24)} all: ×${f(a, b).toFixed(3)}   ${parts.join("   ")}`);
}
