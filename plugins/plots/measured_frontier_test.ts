import assert from "node:assert/strict";
import { test } from "node:test";
import { byClass, legendLabels, parseSvg, texts } from "./_svg_check.ts";
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

test("measuredFrontierSvg draws the stage sweep as a second line beside the op sweep", () => {
  const stage: MeasuredRow[] = [
    {
      series: "frontier-stage",
      strategy: "optimal(bytes=2097152, granularity=stage)",
      measuredPeakBytes: 2 << 20,
      measuredRatio: 1.6,
      predictedRatio: 1.55,
    },
    {
      series: "frontier-stage",
      strategy: "optimal(bytes=8388608, granularity=stage)",
      measuredPeakBytes: 8 << 20,
      measuredRatio: 1.01,
      predictedRatio: 1,
    },
  ];
  const svg = parseSvg(measuredFrontierSvg("GPT frontier", [...rows, ...stage]));
  assert.deepEqual(legendLabels(svg), [
    "optimal(bytes), op",
    "optimal(bytes), op, predicted",
    "optimal(bytes), stage",
    "optimal(bytes), stage, predicted",
    "storeAll",
    "budget(fraction=0.5)",
  ]);
  assert.equal(byClass(svg, "line-point").length, 2);
  assert.deepEqual(
    byClass(svg, "compare-point").map((c) => c.children[0]!.text),
    stage.map((r) => r.strategy),
  );
});
