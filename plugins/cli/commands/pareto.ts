/**
 * `remat pareto`: the predicted time–memory frontier of a model (or a saved profile):
 * `optimal` at budgets from its smallest to store-all's peak, with partial tapes (granularity
 * op) and with whole tapes only (stage), with the other strategies as points, written as
 * `<out>.json` and `<out>.svg`. Predictions only: `remat bench` measures.
 * @module
 */
import { parseArgs } from "node:util";
import { BudgetInfeasible, type Profile } from "@remat/core";
import { frontierSvg, shortLabel } from "@remat/plots";
import { optimal, type StrategyPlan } from "@remat/strategies";
import { attachNegativeValues, intOption } from "../args.ts";
import { MODULE_HELP, planningProfile } from "../chain_flags.ts";
import type { Command } from "../command.ts";
import { formatBytes } from "../format.ts";
import { MODEL_HELP, MODEL_OPTIONS } from "../model_options.ts";
import { checkWritable, writeOutput } from "../output_file.ts";
import { startProgress } from "../progress.ts";
import { comparedStrategies, sweepBudgets } from "../strategy_suite.ts";
import { renderTable } from "../table.ts";

/** The most budgets `--budgets` accepts. */
const MAX_BUDGETS = 1000;

const HELP =
  `usage: remat pareto [model options | --model FILE | --profile FILE] [--budgets 20] [--out pareto]

Plans optimal at --budgets budgets from its smallest feasible budget to store-all's peak,
with partial tapes (granularity op: "line") and with whole tapes only (granularity stage:
"lineStage"), and the other strategies once, and writes the predicted frontier as OUT.json
and OUT.svg.

  --profile FILE      use a profile saved by "remat profile" (measured times); the model
                      options then do not apply
${MODULE_HELP}
  --budgets N         budgets of the sweep (default 20, at most ${MAX_BUDGETS})
  --out STEM          output file stem (default pareto)
${MODEL_HELP}`;

const OPTIONS = {
  ...MODEL_OPTIONS,
  profile: { type: "string" },
  budgets: { type: "string" },
  out: { type: "string" },
} as const;

/** One point of the frontier. */
export interface ParetoPoint {
  readonly strategy: string;
  readonly budgetBytes: number | null;
  readonly peakBytes: number;
  readonly ratio: number;
}

/** The `pareto` command. */
export const paretoCommand: Command = {
  name: "pareto",
  summary: "the predicted time–memory frontier as SVG and JSON",
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args: attachNegativeValues(args, OPTIONS),
      options: OPTIONS,
      strict: true,
    });
    const count = intOption(values, "budgets", 20, { max: MAX_BUDGETS });
    const out = values.out ?? "pareto";
    checkWritable(`${out}.json`);
    const profile: Profile = await planningProfile(values);
    const compared = comparedStrategies(profile);
    const baseTime = compared[0]!.summary().predictedTime;
    const point = (plan: StrategyPlan, budgetBytes: number | null): ParetoPoint => {
      const s = plan.summary();
      return {
        strategy: plan.strategy,
        budgetBytes,
        peakBytes: s.predictedPeakBytes,
        ratio: s.predictedTime / baseTime,
      };
    };
    const budgets = sweepBudgets(profile, count);
    const bar = startProgress("pareto", budgets.length);
    const line: ParetoPoint[] = [], lineStage: ParetoPoint[] = [];
    try {
      for (const bytes of budgets) {
        line.push(point(optimal(profile, { bytes }), bytes));
        // Whole tapes may not fit the smallest budgets partial tapes do.
        try {
          lineStage.push(point(optimal(profile, { bytes, granularity: "stage" }), bytes));
        } catch (e) {
          if (!(e instanceof BudgetInfeasible)) throw e;
        }
        bar.update(line.length, formatBytes(bytes));
      }
    } finally {
      bar.stop();
    }
    const points = compared.map((p) => point(p, null));
    writeOutput(
      `${out}.json`,
      JSON.stringify(
        { chain: profile.chain, batch: profile.batch, profile: profile.source, line, lineStage, points },
        null,
        2,
      ),
    );
    writeOutput(
      `${out}.svg`,
      frontierSvg({
        title: `${profile.chain}: time–memory frontier (predicted, ${profile.source} profile)`,
        lineLabel: "optimal(bytes), op",
        line: line.map((p) => ({ label: p.strategy, bytes: p.peakBytes, ratio: p.ratio })),
        ...(lineStage.length === 0 ? {} : {
          compare: {
            label: "optimal(bytes), stage",
            line: lineStage.map((p) => ({ label: p.strategy, bytes: p.peakBytes, ratio: p.ratio })),
          },
        }),
        points: points.map((p) => ({ label: shortLabel(p.strategy), bytes: p.peakBytes, ratio: p.ratio })),
      }),
    );
    const rows = [...points, ...line, ...lineStage].map((
      p,
    ) => [p.strategy, formatBytes(p.peakBytes), `×${p.ratio.toFixed(3)}`]);
    console.log(renderTable(["plan", "peak", "time"], rows));
    console.log(`\nwrote ${out}.json and ${out}.svg`);
    return 0;
  },
};
