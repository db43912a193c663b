/**
 * Redraws the frontier SVGs from the JSON the strategies benchmark wrote, without rerunning it:
 *
 *   deno run -A benchmarks/replot_frontier.ts [benchmarks/results]
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { frontierSvg, shortLabel } from "@remat/plots";

interface Row {
  series?: "point" | "frontier";
  strategy: string;
  measuredPeakBytes: number;
  measuredRatio: number;
  predictedRatio: number;
}

const dir = process.argv[2] ?? "benchmarks/results";
for (const key of ["mlp", "gpt"]) {
  const path = `${dir}/strategies_${key}.json`;
  if (!existsSync(path)) continue;
  const { rows } = JSON.parse(readFileSync(path, "utf8")) as { rows: Row[] };
  // Results written before rows carried their series hold the 7 strategy points first.
  const series = (r: Row, i: number) => r.series ?? (i < 7 ? "point" : "frontier");
  const line = rows.filter((r, i) => series(r, i) === "frontier");
  const points = rows.filter((r, i) => series(r, i) === "point");
  writeFileSync(
    `${dir}/frontier_${key}.svg`,
    frontierSvg({
      title: `${key === "mlp" ? "Reference MLP" : "GPT"}: time–memory frontier (CPU, measured)`,
      lineLabel: "optimal(bytes)",
      line: line.map((r) => ({
        label: r.strategy,
        bytes: r.measuredPeakBytes,
        ratio: r.measuredRatio,
        predictedRatio: r.predictedRatio,
      })),
      points: points.map((r) => ({
        label: shortLabel(r.strategy),
        bytes: r.measuredPeakBytes,
        ratio: r.measuredRatio,
      })),
    }),
  );
  console.log(`wrote ${dir}/frontier_${key}.svg from ${path}`);
}
