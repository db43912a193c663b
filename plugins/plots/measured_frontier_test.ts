import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSvg, texts } from "./_svg_check.ts";
import { frontierSvg } from "./frontier.ts";
import { measuredFrontierSvg, type MeasuredRow } from "./measured_frontier.ts";

const rows: MeasuredRow[] = [
  {
    series: "point",
    strategy: "storeAll",
    measuredPeakBytes: 8 << 20,
    measuredRatio: 1.01,
    predictedRatio: 1,
  },
  {
    series: "point",
    strategy: "budget(fraction=0.5, bytes=4194304)",
    measuredPeakBytes: 4 << 20,
    measuredRatio: 1.2,
    predictedRatio: 1.15,
  },
  {
    series: "frontier",
    strategy: "optimal(bytes=2097152)",
    measuredPeakBytes: 2 << 20,
    measuredRatio: 1.4,
    predictedRatio: 1.35,
  },
  {
    series: "frontier",
    strategy: "optimal(bytes=8388608)",
    measuredPeakBytes: 8 << 20,
    measuredRatio: 0.99,
    predictedRatio: 1,
  },
];

test("measuredFrontierSvg draws the sweep as the line and the compared strategies as labelled points", () => {
  const svg = measuredFrontierSvg("MLP frontier", rows);
  const expected = frontierSvg({
    title: "MLP frontier",
    lineLabel: "optimal(bytes)",
    line: [
      { label: "optimal(bytes=2097152)", bytes: 2 << 20, ratio: 1.4, predictedRatio: 1.35 },
      { label: "optimal(bytes=8388608)", bytes: 8 << 20, ratio: 0.99, predictedRatio: 1 },
    ],
    points: [
      { label: "storeAll", bytes: 8 << 20, ratio: 1.01 },
      { label: "budget(fraction=0.5)", bytes: 4 << 20, ratio: 1.2 },
    ],
  });
  assert.equal(svg, expected);
  const all = texts(parseSvg(svg));
  for (const t of ["MLP frontier", "storeAll", "budget(fraction=0.5)", "optimal(bytes)"]) {
    assert.ok(all.includes(t), t);
  }
});
