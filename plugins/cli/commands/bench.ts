/**
 * `remat bench`: the strategies benchmark on the CPU backend. With a measured profile, each
 * compared strategy's measured peak, its step time as a ratio to store-all in the same run and
 * the predicted ratio; `optimal` swept over budgets with partial tapes (granularity "op") and
 * with whole tapes only ("stage"); and two head-to-head duels: `optimal` at sqrt's bytes
 * against sqrt, and op against stage at the swept budget where the prediction favours op most.
 * Writes `<name>.json` and `<name>_frontier.svg`.
 * @module
 */
import path from "node:path";
import { parseArgs } from "node:util";
import { initParams, measureProfile, releaseParams, uploadBatch } from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { measuredFrontierSvg } from "@remat/plots";
import { optimal, type StrategyPlan } from "@remat/strategies";
import { attachNegativeValues, intOption } from "../args.ts";
import type { Command } from "../command.ts";
import { formatBytes } from "../format.ts";
import { buildModel, MODEL_HELP, MODEL_OPTIONS } from "../model_options.ts";
import { makeOutputDir, writeOutput } from "../output_file.ts";
import { PairedTimer } from "../paired_timer.ts";
import { startProgress } from "../progress.ts";
import { comparedStrategies, sweepBudgets } from "../strategy_suite.ts";
import { formatGranularityCut, granularityCut, opVsStageBudget, stagePlan } from "../granularity_compare.ts";

const HELP = `usage: remat bench [model options] [--steps 9] [--budgets 20] [--out bench] [--name NAME]

Measures every compared strategy on the CPU backend against store-all in the same run
(alternating pairs, median ratio; 3×--steps pairs for the compared strategies, --steps for
the sweep), sweeps optimal over --budgets budgets with partial tapes (granularity op) and
with whole tapes only (granularity stage), and runs two duels head to head: optimal at
sqrt's bytes against sqrt, and optimal op against stage at the swept budget where the
predicted op / stage ratio is smallest. The profile behind the predictions is measured
first. Without model options it benchmarks --preset reference-mlp. Run Deno with
--v8-flags=--expose-gc for steadier numbers.

  --steps N           timed pairs per swept budget and granularity (default 9; compared
                      strategies and the duels take 3×)
  --budgets N         budgets of the optimal sweeps (default 20, at most 1000)
  --out DIR           where to write NAME.json and NAME_frontier.svg (default bench)
  --name NAME         file name stem (default the preset's name, else "model")
${MODEL_HELP}`;

const OPTIONS = {
  ...MODEL_OPTIONS,
  steps: { type: "string" },
  budgets: { type: "string" },
  out: { type: "string" },
  name: { type: "string" },
} as const;

/** One measured plan. */
export interface BenchRow {
  /**
   * "point": a compared strategy; "frontier": `optimal` swept over budgets (granularity op);
   * "frontier-stage": the same sweep with whole tapes only (granularity stage).
   */
  readonly series: "point" | "frontier" | "frontier-stage";
  readonly strategy: string;
  readonly budgetBytes: number | null;
  readonly measuredPeakBytes: number;
  readonly predictedPeakBytes: number;
  readonly measuredMs: number;
  /** Median of the (plan / store-all) ratios of adjacent pairs, in the same run. */
  readonly measuredRatio: number;
  /** Timed pairs. */
  readonly pairs: number;
  readonly predictedRatio: number;
}

/** The `bench` command. */
export const benchCommand: Command = {
  name: "bench",
  summary: "measure every strategy's memory and time against store-all (CPU)",
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args: attachNegativeValues(args, OPTIONS),
      options: OPTIONS,
      strict: true,
    });
    const given = Object.values({
      ...values,
      steps: undefined,
      budgets: undefined,
      out: undefined,
      name: undefined,
    }).some((v) => v !== undefined);
    const options = given ? values : { ...values, preset: "reference-mlp" };
    const { chain, data, batch } = buildModel(options);
    const steps = intOption(values, "steps", 9), sweep = intOption(values, "budgets", 20, { max: 1000 });
    const out = values.out ?? "bench", name = values.name ?? options.preset ?? "model";
    makeOutputDir(out);
    const backend = new CpuBackend();
    console.log(`${chain.name}, batch ${batch}: measuring the profile…`);
    const profile = await measureProfile(chain, backend, batch, { repeats: 5 });
    const params = initParams(chain, backend, 0);
    const host = uploadBatch(data, { backend, chain, size: batch });
    const compared = comparedStrategies(profile);
    const base = compared[0]!, sq = compared[1]!, opt = compared[compared.length - 1]!;
    const budgets = sweepBudgets(profile, sweep);
    // Both sweeps are planned before any timing; whole tapes may not fit the smallest budgets.
    const sweeps = budgets.map((bytes) => ({
      bytes,
      op: optimal(profile, { bytes }),
      stage: stagePlan(profile, bytes),
    }));
    const stageCount = sweeps.filter((w) => w.stage !== null).length;
    const duelAt = opVsStageBudget(sweeps);
    const bar = startProgress("bench", compared.length + budgets.length + stageCount + 2);
    try {
      const timer = await new PairedTimer(backend, chain, params, host, base, steps).warmUp();
      const baseRun = await timer.time(base);
      const baseTime = base.summary().predictedTime;
      const rows: BenchRow[] = [];
      const measure = async (plan: StrategyPlan, budgetBytes: number | null, series: BenchRow["series"]) => {
        const pairs = series === "point" ? 3 * steps : steps;
        const run = await timer.duel(plan, base, pairs), s = plan.summary();
        const row: BenchRow = {
          series,
          strategy: plan.strategy,
          budgetBytes,
          measuredPeakBytes: run.peakBytes,
          predictedPeakBytes: s.predictedPeakBytes,
          measuredMs: run.ms,
          measuredRatio: run.ratio,
          pairs,
          predictedRatio: s.predictedTime / baseTime,
        };
        rows.push(row);
        bar.update(rows.length, plan.strategy);
        return row;
      };
      const sqBytes = sq.summary().predictedPeakBytes;
      const points: BenchRow[] = [];
      for (const p of compared) {
        points.push(await measure(p, p.strategy.startsWith("optimal(") ? sqBytes : null, "point"));
      }
      // Op and stage are timed budget by budget, so that drift in the machine's speed falls
      // on both alike.
      for (const w of sweeps) {
        await measure(w.op, w.bytes, "frontier");
        if (w.stage !== null) await measure(w.stage, w.bytes, "frontier-stage");
      }
      const duel = await timer.duel(opt, sq, 3 * steps);
      bar.update(rows.length + 1, "duel");
      const stageDuel = duelAt === null ? null : await timer.duel(duelAt.op, duelAt.stage, 3 * steps);
      bar.update(rows.length + 2, "duel");
      bar.stop();
      const duelPredicted = opt.summary().predictedTime / sq.summary().predictedTime;
      const width = Math.max(36, ...points.map((r) => r.strategy.length));
      for (const r of points) {
        console.log(
          `${r.strategy.padEnd(width)} peak ${formatBytes(r.measuredPeakBytes).padStart(10)} (${
            (100 * r.measuredPeakBytes / baseRun.peakBytes).toFixed(1)
          }% of store-all)  time ×${r.measuredRatio.toFixed(3)} measured (${r.pairs} pairs), ×${
            r.predictedRatio.toFixed(3)
          } predicted`,
        );
      }
      console.log(
        `optimal over ${budgets.length} budgets with partial tapes (op) and ${stageCount} with whole tapes (stage): see the frontier`,
      );
      const agreement = ratioAgreement(rows);
      console.log(
        `measured vs predicted time ratios over ${rows.length} rows: median error ${
          agreement.medianErrorPercent.toFixed(1)
        }%, ${agreement.within5Percent} within 5%, worst ${
          agreement.worstErrorPercent.toFixed(1)
        }%; peaks equal in ${agreement.peaksEqual}`,
      );
      console.log(
        `head to head: ${opt.strategy} / ${sq.strategy} = ×${duel.ratio.toFixed(3)} measured (median of ${
          3 * steps
        } pairs), ×${duelPredicted.toFixed(3)} predicted`,
      );
      const opVsStage = duelAt === null || stageDuel === null ? null : {
        bytes: duelAt.bytes,
        measured: stageDuel.ratio,
        predicted: duelAt.predicted,
        pairs: 3 * steps,
      };
      if (opVsStage !== null) {
        console.log(
          `head to head: ${duelAt!.op.strategy} / ${duelAt!.stage.strategy} = ×${
            opVsStage.measured.toFixed(3)
          } measured (median of ${opVsStage.pairs} pairs), ×${opVsStage.predicted.toFixed(3)} predicted (at ${
            formatBytes(opVsStage.bytes)
          }, the swept budget with the smallest predicted op / stage ratio)`,
        );
      }
      const cut = granularityCut(rows);
      console.log(formatGranularityCut(cut));
      const json = {
        model: chain.name,
        batch,
        backend: backend.device,
        profile: profile.source,
        ratio: "median of (plan / store-all) step-time ratios over alternating pairs in one run",
        steps,
        storeAll: { ms: baseRun.ms, peakBytes: baseRun.peakBytes },
        agreement,
        optimalVsSqrt: { measured: duel.ratio, predicted: duelPredicted, pairs: 3 * steps },
        opVsStage,
        opVsStageSweep: cut,
        rows,
      };
      writeOutput(path.join(out, `${name}.json`), JSON.stringify(json, null, 2));
      writeOutput(
        path.join(out, `${name}_frontier.svg`),
        measuredFrontierSvg(`${chain.name}: time–memory frontier (CPU, measured)`, rows),
      );
      console.log(`wrote ${path.join(out, `${name}.json`)} and ${name}_frontier.svg`);
      return 0;
    } finally {
      bar.stop();
      host.x.release();
      host.y.release();
      releaseParams(params);
    }
  },
};

/** How closely measured rows follow their predictions. */
export interface RatioAgreement {
  /** Median of |measured / predicted − 1| over the rows, percent. */
  readonly medianErrorPercent: number;
  /** Largest such error, percent. */
  readonly worstErrorPercent: number;
  /** Rows whose error is at most 5%. */
  readonly within5Percent: number;
  /** Rows whose measured peak equals the predicted peak. */
  readonly peaksEqual: number;
}

/**
 * Measured against predicted time ratios and peaks over bench rows.
 * @example
 * ```ts
 * ratioAgreement([{ series: "point", strategy: "storeAll", budgetBytes: null, measuredPeakBytes: 8, predictedPeakBytes: 8, measuredMs: 1, measuredRatio: 1.02, medianPairRatio: 1, predictedRatio: 1 }]);
 * // { medianErrorPercent: 2, worstErrorPercent: 2, within5Percent: 1, peaksEqual: 1 } (up to rounding)
 * ```
 */
export function ratioAgreement(rows: ReadonlyArray<BenchRow>): RatioAgreement {
  if (rows.length === 0) throw new RangeError("ratioAgreement: no rows");
  const errors = rows.map((r) => 100 * Math.abs(r.measuredRatio / r.predictedRatio - 1)).sort((a, b) =>
    a - b
  );
  const mid = errors.length >> 1;
  return {
    medianErrorPercent: errors.length % 2 ? errors[mid]! : (errors[mid - 1]! + errors[mid]!) / 2,
    worstErrorPercent: errors[errors.length - 1]!,
    within5Percent: errors.filter((e) => e <= 5).length,
    peaksEqual: rows.filter((r) => r.measuredPeakBytes === r.predictedPeakBytes).length,
  };
}
