/**
 * benchmarks/results/peers.json: the MLP's result at the top level, in the format it has
 * always had, and the other models' results, in the same format, under `models.<key>`. A run
 * of some models replaces their results and keeps the file's others.
 * @module
 */
import { readFileSync } from "node:fs";

/** The file's contents with `results` (by model key) replacing what it held for those models. */
export function mergedResults(file: string, results: Readonly<Record<string, object>>): object {
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    // no file yet, or not JSON: start a new one
  }
  const { models, ...mlp } = previous;
  const { mlp: mlpNow, ...others } = results;
  return { ...(mlpNow ?? mlp), models: { ...(models as object | undefined), ...others } };
}
