/**
 * Strategies benchmark on the CPU backend: for the reference MLP and a GPT, each strategy's
 * measured peak activation bytes, measured step-time ratio to store-all in the same run, and
 * the ratio predicted from a measured profile; plus `optimal` swept over ≥ 20 budgets from
 * its minimum to store-all. Writes JSON and an SVG frontier per model.
 *
 *   deno task bench:strategies [--model mlp|gpt|both] [--steps 9] [--budgets 20] [--out benchmarks/results]
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { type Chain, executePlan, gpt, initParams, measureProfile, mlp, type Plan, releaseParams } from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { budget, optimal, revolve, sqrt, storeAll, type StrategyPlan, uniform } from "@remat/strategies";
import { randomBatch } from "@remat/core/testing";
import { frontierSvg, shortLabel } from "@remat/plots";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "both" },
    steps: { type: "string", default: "9" },
    budgets: { type: "string", default: "20" },
    out: { type: "string", default: "benchmarks/results" },
  },
});
const steps = Number(values.steps);
const sweep = Number(values.budgets);

interface Row {
  /** "point": one strategy's plan; "frontier": `optimal` in the budget sweep. */
  series: "point" | "frontier";
  strategy: string;
  budgetBytes: number | null;
  measuredPeakBytes: number;
  predictedPeakBytes: number;
  measuredMs: number;
  measuredRatio: number;
  predictedRatio: number;
}

const models: Array<{ key: string; chain: Chain; batch: number }> = [];
if (values.model !== "gpt") models.push({ key: "mlp", chain: mlp({ depth: 32, width: 256, hidden: 1024, classes: 10 }), batch: 64 });
if (values.model !== "mlp") {
  models.push({ key: "gpt", chain: gpt({ layers: 8, dModel: 128, heads: 4, seqLen: 64, vocab: 96 }), batch: 8 });
}

for (const { key, chain, batch } of models) {
  const backend = new CpuBackend();
  log(`\n${chain.name}, batch ${batch}: measuring the profile…`);
  const profile = await measureProfile(chain, backend, batch, { repeats: 5 });
  const params = initParams(chain, backend, 0);
  const host = randomBatch(chain, batch, 0);
  const x = chain.input.dtype === "i32"
    ? backend.upload(host.x as Int32Array, [batch, ...chain.input.shape], "i32", "io")
    : backend.upload(host.x as Float32Array, [batch, ...chain.input.shape], "f32", "io");
  const y = backend.upload(host.y, [batch, ...chain.target.shape], "i32", "io");
  const base = storeAll(profile);
  const step = (plan: Plan, s: number): { ms: number; peak: number } => {
    collectGarbage();
    const t0 = performance.now();
    const out = executePlan(backend, chain, params, plan, { x, y }, { seed: 0, step: s });
    const ms = performance.now() - t0;
    out.loss.release();
    for (const row of out.grads) for (const g of row) g.release();
    return { ms, peak: out.peakBytes };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  // Store-all and the plan alternate step by step, so slow drifts of this shared machine
  // hit both alike; which of the two goes first alternates too, so an order effect cancels.
  // The ratio is the median of the ratios of adjacent pairs.
  const time = (plan: Plan): { ms: number; ratio: number; peak: number } => {
    const ts: number[] = [], ratios: number[] = [];
    let peak = 0;
    step(plan, 0);
    for (let s = 1; s <= steps; s++) {
      const planFirst = s % 2 === 0;
      const r0 = planFirst ? step(plan, s) : undefined;
      const b = step(base, s).ms;
      const r = r0 ?? step(plan, s);
      ts.push(r.ms);
      ratios.push(r.ms / b);
      peak = r.peak;
    }
    return { ms: median(ts), ratio: median(ratios), peak };
  };
  for (let w = 0; w < 2; w++) step(base, w);
  const baseRun = time(base);
  const baseTime = base.summary().predictedTime;
  const rows: Row[] = [];
  const measure = (plan: StrategyPlan, budgetBytes: number | null, series: Row["series"]): Row => {
    const run = time(plan);
    const s = plan.summary();
    const row: Row = {
      series,
      strategy: plan.strategy,
      budgetBytes,
      measuredPeakBytes: run.peak,
      predictedPeakBytes: s.predictedPeakBytes,
      measuredMs: run.ms,
      measuredRatio: run.ratio,
      predictedRatio: s.predictedTime / baseTime,
    };
    log(`${row.strategy.padEnd(34)} peak ${mib(row.measuredPeakBytes).padStart(9)} (${pct(row.measuredPeakBytes / baseRun.peak)} of store-all)  time ×${row.measuredRatio.toFixed(3)} measured, ×${row.predictedRatio.toFixed(3)} predicted`);
    rows.push(row);
    return row;
  };
  const n = chain.stages.length;
  const sq = sqrt(profile);
  const minBytes = minimalBudget(profile);
  const others: StrategyPlan[] = [
    base,
    sq,
    uniform(profile, { every: 4 }),
    uniform(profile, { every: 8 }),
    budget(profile, { fraction: 0.5 }),
    revolve(profile, { slots: Math.max(2, Math.round(Math.sqrt(n))) }),
    optimal(profile, { bytes: sq.summary().predictedPeakBytes }),
  ];
  const pointRows = others.map((p) => measure(p, p.strategy.startsWith("optimal") ? sq.summary().predictedPeakBytes : null, "point"));
  const top = base.summary().predictedPeakBytes;
  const lineRows: Row[] = [];
  for (let b = 0; b < sweep; b++) {
    const bytes = Math.round(minBytes + ((top - minBytes) * b) / (sweep - 1));
    lineRows.push(measure(optimal(profile, { bytes }), bytes, "frontier"));
  }
  // Head to head: optimal at sqrt's bytes against sqrt itself, paired step by step (3× the pairs).
  const opt = others[others.length - 1]!;
  const duel: number[] = [];
  for (let s = 1; s <= 3 * steps; s++) {
    const first = s % 2 === 0 ? opt : sq, second = first === opt ? sq : opt;
    const a = step(first, s).ms, b = step(second, s).ms;
    duel.push(first === opt ? a / b : b / a);
  }
  const duelRatio = median(duel);
  log(`head to head: ${opt.strategy} / ${sq.strategy} = ×${duelRatio.toFixed(3)} measured (median of ${duel.length} pairs), ×${(opt.summary().predictedTime / sq.summary().predictedTime).toFixed(3)} predicted`);
  mkdirSync(values.out!, { recursive: true });
  const json = { model: chain.name, batch, backend: backend.device, profile: profile.source, steps, storeAll: { ms: baseRun.ms, peakBytes: baseRun.peak }, optimalVsSqrt: { measured: duelRatio, predicted: opt.summary().predictedTime / sq.summary().predictedTime, pairs: duel.length }, rows };
  writeFileSync(`${values.out}/strategies_${key}.json`, JSON.stringify(json, null, 2));
  writeFileSync(
    `${values.out}/frontier_${key}.svg`,
    frontierSvg({
      title: `${key === "mlp" ? "Reference MLP" : "GPT"}: time–memory frontier (CPU, measured)`,
      lineLabel: "optimal(bytes)",
      line: lineRows.map((r) => ({ label: r.strategy, bytes: r.measuredPeakBytes, ratio: r.measuredRatio, predictedRatio: r.predictedRatio })),
      points: pointRows.map((r) => ({ label: shortLabel(r.strategy), bytes: r.measuredPeakBytes, ratio: r.measuredRatio })),
    }),
  );
  log(`wrote ${values.out}/strategies_${key}.json and frontier_${key}.svg`);
  x.release();
  y.release();
  releaseParams(params);
}

/** A full collection before each timed step when the runtime exposes one (`--v8-flags=--expose-gc`),
 * so that garbage left by one plan is not collected on the next one's clock. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The smallest budget `optimal` accepts, read from its infeasibility error. */
function minimalBudget(profile: Parameters<typeof optimal>[0]): number {
  try {
    optimal(profile, { bytes: 1 });
    return 1;
  } catch (e) {
    const smallest = (e as { smallestFeasibleBytes?: number }).smallestFeasibleBytes;
    if (typeof smallest !== "number") throw e;
    return smallest;
  }
}

function mib(b: number): string {
  return `${(b / 2 ** 20).toFixed(2)} MiB`;
}
function pct(f: number): string {
  return `${(100 * f).toFixed(1)}%`;
}
function log(s: string): void {
  process.stdout.write(`${s}\n`);
}
