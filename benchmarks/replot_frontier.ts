/**
 * Redraws the frontier SVGs from the JSON the strategies benchmark wrote, without rerunning it:
 *
 *   deno run -A benchmarks/replot_frontier.ts [benchmarks/results]
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { measuredFrontierSvg, type MeasuredRow } from "@remat/plots";

const dir = process.argv[2] ?? "benchmarks/results";
for (const key of ["mlp", "gpt"]) {
  const path = `${dir}/strategies_${key}.json`;
  if (!existsSync(path)) continue;
  const { rows } = JSON.parse(readFileSync(path, "utf8")) as {
    rows: Array<Omit<MeasuredRow, "series"> & { series?: MeasuredRow["series"] }>;
  };
  // Results written before rows carried their series hold the 7 strategy points first.
  const withSeries = rows.map((r, i): MeasuredRow => ({
    ...r,
    series: r.series ?? (i < 7 ? "point" : "frontier"),
  }));
  const title = `${key === "mlp" ? "Reference MLP" : "GPT"}: time–memory frontier (CPU, measured)`;
  writeFileSync(`${dir}/frontier_${key}.svg`, measuredFrontierSvg(title, withSeries));
  console.log(`wrote ${dir}/frontier_${key}.svg from ${path}`);
}
