/**
 * The strategies benchmark on the reference MLP, GPT and ResNet: `remat bench` (see
 * plugins/cli/commands/bench.ts) for each, writing `strategies_<model>.json` and
 * `frontier_<model>.svg` into the results folder. The ResNet's steps are the slowest (direct
 * convolution loops on one core), so it is timed with fewer pairs and budgets unless
 * `--steps`/`--budgets` are given.
 *
 *   deno task bench:strategies [--model mlp|gpt|resnet|all] [--steps 9] [--budgets 20] [--out benchmarks/results]
 * @module
 */
import { renameSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { runCli } from "@remat/cli";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "all" },
    steps: { type: "string" },
    budgets: { type: "string" },
    out: { type: "string", default: "benchmarks/results" },
  },
});
/** Timed pairs and swept budgets per model when not given. */
const DEFAULTS: Record<string, { steps: string; budgets: string }> = {
  mlp: { steps: "9", budgets: "20" },
  gpt: { steps: "9", budgets: "20" },
  resnet: { steps: "3", budgets: "8" },
};
const models = values.model === "all" ? Object.keys(DEFAULTS) : [values.model!];
for (const key of models) {
  const defaults = DEFAULTS[key];
  if (defaults === undefined) {
    console.error(`bench:strategies: --model: got "${key}"; expected mlp, gpt, resnet or all`);
    process.exit(2);
  }
  const name = `strategies_${key}`;
  const status = await runCli([
    "bench",
    "--preset",
    `reference-${key}`,
    "--steps",
    values.steps ?? defaults.steps,
    "--budgets",
    values.budgets ?? defaults.budgets,
    "--out",
    values.out!,
    "--name",
    name,
  ], { program: "bench:strategies" });
  if (status !== 0) process.exit(status);
  renameSync(path.join(values.out!, `${name}_frontier.svg`), path.join(values.out!, `frontier_${key}.svg`));
  console.log(`renamed to ${path.join(values.out!, `frontier_${key}.svg`)}`);
}
