/**
 * `remat profile`: measures every stage's forward and backward time on a backend (median of
 * repeats) and saves the profile as JSON for `remat plan --profile`.
 * @module
 */
import { parseArgs } from "node:util";
import { measureProfile } from "@remat/core";
import { createBackend } from "@remat/webgpu";
import { attachNegativeValues, intOption } from "../args.ts";
import { backendChoice } from "../backend_flag.ts";
import { loadChain, MODULE_HELP } from "../chain_flags.ts";
import type { Command } from "../command.ts";
import { formatBytes } from "../format.ts";
import { inModule } from "../model_module.ts";
import { MODEL_HELP, MODEL_OPTIONS } from "../model_options.ts";
import { checkWritable } from "../output_file.ts";
import { saveProfile } from "../profile_file.ts";
import { renderTable } from "../table.ts";

/** The most timed runs per stage `--repeats` accepts. */
const MAX_REPEATS = 1000;

const HELP =
  `usage: remat profile [model options | --model FILE] [--backend cpu|webgpu|auto] [--repeats 5] [--out profile.json]

Measures each stage's forward and backward on a backend (median of --repeats runs after one
warm-up) and writes the profile (exact bytes, measured times) as JSON.

${MODULE_HELP}
  --backend NAME      cpu (default), webgpu or auto
  --repeats N         timed runs per stage (default 5, at most ${MAX_REPEATS})
  --out FILE          where to write it (default profile.json)
${MODEL_HELP}`;

const OPTIONS = {
  ...MODEL_OPTIONS,
  backend: { type: "string" },
  repeats: { type: "string" },
  out: { type: "string" },
} as const;

/** The `profile` command. */
export const profileCommand: Command = {
  name: "profile",
  summary: "measure per-stage costs on a backend and save them as JSON",
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args: attachNegativeValues(args, OPTIONS),
      options: OPTIONS,
      strict: true,
    });
    const repeats = intOption(values, "repeats", 5, { max: MAX_REPEATS });
    const choice = backendChoice(values);
    const { chain, batch, module } = await loadChain(values);
    const out = values.out ?? "profile.json";
    checkWritable(out);
    const backend = await createBackend(choice);
    try {
      console.error(
        `profiling ${chain.name}, batch ${batch}, on ${backend.device} (${repeats} runs per stage)…`,
      );
      const measure = () => measureProfile(chain, backend, batch, { repeats });
      const profile = await (module === undefined ? measure() : inModule(module, measure));
      saveProfile(out, profile);
      const rows = profile.stages.map((s, i) => [
        String(i),
        s.name,
        formatBytes(s.outputBytes),
        formatBytes(s.tapeBytes),
        `${s.forwardTime.toFixed(2)} ms`,
        `${s.backwardTime.toFixed(2)} ms`,
      ]);
      console.log(renderTable(["stage", "name", "output", "tape", "forward", "backward"], rows));
      const total = profile.stages.reduce((t, s) => t + s.forwardTime + s.backwardTime, 0);
      console.log(`\nforward + backward ${total.toFixed(1)} ms per step (${profile.source}); wrote ${out}`);
      return 0;
    } finally {
      backend.dispose();
    }
  },
};
