/**
 * `remat profile`: measures every stage's forward and backward time on a backend (median of
 * repeats) and saves the profile as JSON for `remat plan --profile`.
 * @module
 */
import { parseArgs } from "node:util";
import { measureProfile } from "@remat/core";
import { createBackend } from "@remat/webgpu";
import { intOption } from "../args.ts";
import type { Command } from "../command.ts";
import { formatBytes } from "../format.ts";
import { buildModel, MODEL_HELP, MODEL_OPTIONS } from "../model_options.ts";
import { saveProfile } from "../profile_file.ts";
import { renderTable } from "../table.ts";

const HELP =
  `usage: remat profile [model options] [--backend cpu|webgpu|auto] [--repeats 5] [--out profile.json]

Measures each stage's forward and backward on a backend (median of --repeats runs after one
warm-up) and writes the profile (exact bytes, measured times) as JSON.

  --backend NAME      cpu (default), webgpu or auto
  --repeats N         timed runs per stage (default 5)
  --out FILE          where to write it (default profile.json)
${MODEL_HELP}`;

/** The `profile` command. */
export const profileCommand: Command = {
  name: "profile",
  summary: "measure per-stage costs on a backend and save them as JSON",
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        ...MODEL_OPTIONS,
        backend: { type: "string" },
        repeats: { type: "string" },
        out: { type: "string" },
      },
      strict: true,
    });
    const { chain, batch } = buildModel(values);
    const repeats = intOption(values, "repeats", 5);
    const out = values.out ?? "profile.json";
    const backend = await createBackend(values.backend ?? "cpu");
    try {
      console.error(
        `profiling ${chain.name}, batch ${batch}, on ${backend.device} (${repeats} runs per stage)…`,
      );
      const profile = await measureProfile(chain, backend, batch, { repeats });
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
