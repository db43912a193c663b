/**
 * `remat plan`: the plan a strategy makes for a model (or a saved profile) at a budget, as a
 * table of predicted memory and time and forwards per stage, or as JSON. Nothing is trained.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import type { Profile } from "@remat/core";
import { timelineSvg } from "@remat/plots";
import { attachNegativeValues } from "../args.ts";
import { MODULE_HELP, planningProfile } from "../chain_flags.ts";
import { formatBytes } from "../format.ts";
import type { Command } from "../command.ts";
import { MODEL_HELP, MODEL_OPTIONS } from "../model_options.ts";
import { checkWritable, writeOutput } from "../output_file.ts";
import { STRATEGY_HELP, STRATEGY_OPTIONS, strategyChoice } from "../strategy_flags.ts";
import { planFromProfile } from "../strategy_options.ts";
import { renderTable } from "../table.ts";

const HELP =
  `usage: remat plan [model options | --model FILE | --profile FILE] [strategy options] [--json] [--listing]

Prints the plan a checkpointing strategy makes: predicted peak activation bytes (the bytes the
scheduler will measure), predicted time against store-all, and forwards per stage.

  --profile FILE      plan from a profile saved by "remat profile" instead of the model options
                      (which then do not apply: the profile fixes the model and batch)
${MODULE_HELP}
  --json              machine-readable output
  --listing           also print the instruction list
  --timeline FILE     also draw the schedule (stages over predicted time, live memory beneath) as SVG
${STRATEGY_HELP}
${MODEL_HELP}`;

const OPTIONS = {
  ...MODEL_OPTIONS,
  ...STRATEGY_OPTIONS,
  profile: { type: "string" },
  json: { type: "boolean" },
  listing: { type: "boolean" },
  timeline: { type: "string" },
} as const;

/** The `plan` command. */
export const planCommand: Command = {
  name: "plan",
  summary: "the plan a strategy makes at a budget (no training)",
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args: attachNegativeValues(args, OPTIONS),
      options: OPTIONS,
      strict: true,
    });
    const choice = strategyChoice(values);
    if (values.timeline) checkWritable(values.timeline);
    const profile: Profile = await planningProfile(values);
    const plan = planFromProfile(profile, choice);
    const s = plan.summary();
    if (values.timeline) {
      writeOutput(
        values.timeline,
        timelineSvg(plan, profile, { title: `${profile.chain}: ${plan.strategy}` }),
      );
    }
    const storeAllPeak = planFromProfile(profile, { name: "storeAll" }).summary().predictedPeakBytes;
    if (values.json) {
      const { listing: _listing, ...numbers } = s;
      process.stdout.write(
        JSON.stringify(
          {
            chain: profile.chain,
            batch: profile.batch,
            profile: profile.source,
            storeAllPeakBytes: storeAllPeak,
            ...numbers,
            instructions: plan.instructions.length,
            ...(values.listing ? { listing: s.listing } : {}),
          },
          null,
          2,
        ) + "\n",
      );
      return 0;
    }
    console.log(
      `model      ${profile.chain}, batch ${profile.batch}, ${profile.stages.length} stages (profile: ${profile.source})`,
    );
    console.log(`strategy   ${s.strategy}`);
    console.log(
      `peak       ${formatBytes(s.predictedPeakBytes)} of activations (${
        (100 * s.predictedPeakBytes / storeAllPeak).toFixed(1)
      }% of store-all's ${formatBytes(storeAllPeak)})`,
    );
    console.log(
      `time       ×${(s.predictedTime / s.baselineTime).toFixed(3)} of store-all (+${
        Math.max(0, 100 * s.overhead).toFixed(1)
      }%), ${s.untapedForwards} forwards without a tape`,
    );
    console.log(`plan       ${plan.instructions.length} instructions\n`);
    // each stage's tape policies as the plan records it (whole tapes: saveAll; untaped: -)
    const tapes = profile.stages.map(() => new Set<string>());
    for (const ins of plan.instructions) {
      if (ins.op === "forward" && ins.record) tapes[ins.stage]!.add(ins.policy ?? "saveAll");
    }
    const rows = profile.stages.map((st, i) => [
      String(i),
      st.name,
      st.kind,
      formatBytes(st.outputBytes),
      String(s.forwardsPerStage[i]),
      [...tapes[i]!].join(", ") || "-",
    ]);
    console.log(renderTable(["stage", "name", "kind", "output", "forwards", "tape"], rows));
    if (values.listing) console.log(`\n${s.listing}`);
    if (values.timeline) console.log(`\nwrote the schedule timeline to ${values.timeline}`);
    return 0;
  },
};
