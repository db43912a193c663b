import assert from "node:assert/strict";
import { test } from "node:test";
import { byClass, parseSvg, texts, tickScale } from "./_svg_check.ts";
import { type FrontierPlot, frontierSvg, shortLabel } from "./frontier.ts";

const MiB = 2 ** 20;
const plot: FrontierPlot = {
  title: "MLP frontier",
  lineLabel: "optimal(bytes)",
  line: [
    { label: "o3", bytes: 3 * MiB, ratio: 1.6, predictedRatio: 1.55 },
    { label: "o1", bytes: 12 * MiB, ratio: 1.05, predictedRatio: 1.04 },
    { label: "o2", bytes: 6 * MiB, ratio: 1.2, predictedRatio: 1.25 },
  ],
  points: [
    { label: "storeAll", bytes: 20 * MiB, ratio: 1 },
    { label: "sqrt(every=2)", bytes: 4.4 * MiB, ratio: 1.3 },
  ],
};

test("frontierSvg writes well-formed SVG with width, height and a matching viewBox", () => {
  const svg = parseSvg(frontierSvg(plot));
  assert.ok(Number(svg.attrs.width) >= 800);
  assert.equal(svg.attrs.viewBox, `0 0 ${svg.attrs.width} ${svg.attrs.height}`);
});

test("frontierSvg titles both axes with units and lists the line, its prediction and each point", () => {
  const all = texts(parseSvg(frontierSvg(plot)));
  for (const t of ["peak activation memory (MiB)", "step time / store-all (×)", "MLP frontier"]) {
    assert.ok(all.includes(t), t);
  }
  for (const t of ["optimal(bytes)", "optimal(bytes), predicted", "storeAll", "sqrt(every=2)"]) {
    assert.ok(all.includes(t), t);
  }
});

test("frontierSvg draws a marker per point and places it by the tick labels", () => {
  const svg = parseSvg(frontierSvg(plot));
  assert.equal(byClass(svg, "line-point").length, 3);
  assert.equal(byClass(svg, "point").length, 2);
  assert.equal(byClass(svg, "predicted").length, 1);
  const mib = tickScale(byClass(svg, "xtick"), "x"), ratio = tickScale(byClass(svg, "ytick"), "y");
  const sq = byClass(svg, "point")[1]!;
  assert.ok(Math.abs(mib(Number(sq.attrs.x) + 5) - 4.4) < 0.05);
  assert.ok(Math.abs(ratio(Number(sq.attrs.y) + 5) - 1.3) < 0.01);
});

test("frontierSvg draws no predicted line when no point carries a prediction", () => {
  const svg = parseSvg(frontierSvg({ ...plot, line: plot.line.map(({ predictedRatio: _, ...p }) => p) }));
  assert.equal(byClass(svg, "predicted").length, 0);
  assert.ok(!texts(svg).includes("optimal(bytes), predicted"));
});

test("frontierSvg escapes the title and labels", () => {
  const raw = frontierSvg({
    ...plot,
    title: "x < y & z",
    points: [{ label: "<b>&amp", bytes: MiB, ratio: 1.1 }],
  });
  const all = texts(parseSvg(raw));
  assert.ok(all.includes("x < y & z") && all.includes("<b>&amp"));
  assert.ok(raw.includes("&lt;b&gt;&amp;amp"));
});

test("frontierSvg throws on an empty plot", () => {
  assert.throws(() => frontierSvg({ ...plot, line: [], points: [] }), /nothing to plot/);
});

test("shortLabel drops a budget's resolved bytes and shows other byte counts in MiB", () => {
  assert.equal(shortLabel("budget(fraction=0.5, bytes=123456)"), "budget(fraction=0.5)");
  assert.equal(shortLabel("optimal(bytes=4592640)"), "optimal(bytes=4.38 MiB)");
  assert.equal(shortLabel("sqrt(every=2)"), "sqrt(every=2)");
});
