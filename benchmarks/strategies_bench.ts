/**
 * The strategies benchmark on the reference MLP and the reference GPT: `remat bench` (see
 * plugins/cli/commands/bench.ts) for each, writing `strategies_<model>.json` and
 * `frontier_<model>.svg` into the results folder.
 *
 *   deno task bench:strategies [--model mlp|gpt|both] [--steps 9] [--budgets 20] [--out benchmarks/results]
 * @module
 */
import { renameSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { runCli } from "@remat/cli";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "both" },
    steps: { type: "string", default: "9" },
    budgets: { type: "string", default: "20" },
    out: { type: "string", default: "benchmarks/results" },
  },
});
const models = values.model === "both" ? ["mlp", "gpt"] : [values.model!];
for (const key of models) {
  if (key !== "mlp" && key !== "gpt") {
    console.error(`bench:strategies: --model: got "${key}"; expected mlp, gpt or both`);
    process.exit(2);
  }
  const name = `strategies_${key}`;
  const status = await runCli([
    "bench",
    "--preset",
    `reference-${key}`,
    "--steps",
    values.steps!,
    "--budgets",
    values.budgets!,
    "--out",
    values.out!,
    "--name",
    name,
  ], { program: "bench:strategies" });
  if (status !== 0) process.exit(status);
  renameSync(path.join(values.out!, `${name}_frontier.svg`), path.join(values.out!, `frontier_${key}.svg`));
  console.log(`renamed to ${path.join(values.out!, `frontier_${key}.svg`)}`);
}
