/**
 * Writes the example plots for the reference MLP (depth 32, width 256, hidden 1024,
 * 10 classes, batch 64, static profile): the sqrt plan's timeline, and the frontier from
 * `benchmarks/results/strategies_mlp.json`; each as SVG and, where Chromium is installed, PNG.
 *
 *   deno run -A plugins/plots/render_examples.ts      (from the repository root)
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { mlp, staticProfile } from "@remat/core";
import { sqrt } from "@remat/strategies";
import { findChromium, renderSvgToPng } from "./_chromium.ts";
import { measuredFrontierSvg, type MeasuredRow } from "./measured_frontier.ts";
import { timelineSvg } from "./timeline.ts";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "examples");
mkdirSync(out, { recursive: true });

const profile = staticProfile(mlp({ depth: 32, width: 256, hidden: 1024, classes: 10 }), 64);
const plan = sqrt(profile);
const timeline = timelineSvg(plan, profile, {
  title: `Reference MLP: ${plan.strategy} schedule and live memory`,
});

const results = join(here, "../../benchmarks/results/strategies_mlp.json");
const { rows } = JSON.parse(readFileSync(results, "utf8")) as { rows: MeasuredRow[] };
const frontier = measuredFrontierSvg("Reference MLP: time–memory frontier (CPU, measured)", rows);

const chromium = findChromium();
for (const [name, svg] of [["timeline_sqrt_mlp", timeline], ["frontier_mlp", frontier]] as const) {
  writeFileSync(join(out, `${name}.svg`), svg);
  if (chromium) writeFileSync(join(out, `${name}.png`), renderSvgToPng(svg, chromium));
  console.log(`wrote ${join(out, name)}.svg${chromium ? " and .png" : " (no Chromium found: no .png)"}`);
}
