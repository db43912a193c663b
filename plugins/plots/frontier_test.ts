import assert from "node:assert/strict";
import { test } from "node:test";
import {
  byClass,
  findAll,
  legendLabels,
  parseSvg,
  type SvgElement,
  textBox,
  texts,
  tickScale,
} from "./_svg_check.ts";
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

/** Every `<text>` whose estimated box leaves the viewBox, with its box. */
function outside(svg: SvgElement): string[] {
  const [, , w, h] = svg.attrs.viewBox!.split(" ").map(Number);
  return findAll(svg, (el) => el.name === "text").flatMap((el) => {
    const b = textBox(el, Number(svg.attrs["font-size"]));
    const inside = b.left >= 0 && b.right <= w! && b.top >= 0 && b.bottom <= h!;
    return inside ? [] : [`${JSON.stringify(el.text.slice(0, 40))}: ${JSON.stringify(b)}`];
  });
}

test("frontierSvg wraps a 150-character title onto two lines that lie inside the canvas, above the plot", () => {
  const title =
    `mlp(depth=32, width=256, hidden=1024, classes=10) at batch 64 on the reference machine: ${"time–memory frontier (predicted, static profile)"} `
      .padEnd(150, "x");
  assert.equal(title.length, 150);
  const svg = parseSvg(frontierSvg({ ...plot, title }));
  assert.deepEqual(outside(svg), []);
  const lines = byClass(svg, "title");
  assert.equal(lines.length, 2);
  assert.equal(lines.map((l) => l.text).join(" "), title.trimEnd(), "the words are kept, in order");
  const plotTop = Math.min(...findAll(svg, (el) => el.name === "line").map((l) => Number(l.attrs.y1)));
  for (const l of lines) {
    assert.ok(textBox(l).bottom < plotTop, `title line ends above the plot (${plotTop})`);
  }
});

test("frontierSvg keeps a title that fits on one line over the plot, at 16 px", () => {
  const lines = byClass(parseSvg(frontierSvg(plot)), "title");
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.attrs["font-size"], "16");
});

test("frontierSvg fits a title too long for two lines and long legend labels inside the canvas", () => {
  const svg = parseSvg(frontierSvg({
    ...plot,
    title: "an overlong title ".repeat(40),
    points: [{ label: "W".repeat(60), bytes: MiB, ratio: 1.1 }, ...plot.points],
  }));
  assert.deepEqual(outside(svg), []);
  assert.ok(byClass(svg, "title").some((l) => l.text.endsWith("…")));
  assert.ok(byClass(svg, "legend").some((l) => /^W+…$/.test(l.text)));
});

test("frontierSvg draws a second line with hollow markers, its prediction dashed, each with a legend entry", () => {
  const compare = {
    label: "optimal(bytes), stage",
    line: [
      { label: "s1", bytes: 3 * MiB, ratio: 1.8, predictedRatio: 1.75 },
      { label: "s2", bytes: 12 * MiB, ratio: 1.1, predictedRatio: 1.12 },
    ],
  };
  const svg = parseSvg(frontierSvg({ ...plot, compare }));
  assert.equal(byClass(svg, "compare").length, 1);
  assert.equal(byClass(svg, "compare-predicted").length, 1);
  assert.equal(byClass(svg, "compare-point").length, 2);
  assert.equal(byClass(svg, "line-point").length, 3, "the main line is drawn as before");
  assert.deepEqual(legendLabels(svg), [
    "optimal(bytes)",
    "optimal(bytes), predicted",
    "optimal(bytes), stage",
    "optimal(bytes), stage, predicted",
    "storeAll",
    "sqrt(every=2)",
  ]);
  const main = byClass(svg, "line")[0]!, second = byClass(svg, "compare")[0]!;
  assert.notEqual(second.attrs.stroke, main.attrs.stroke, "the second line has its own colour");
  assert.ok(byClass(svg, "compare-predicted")[0]!.attrs["stroke-dasharray"]);
  // The second line's highest point widens the y axis: its marker lies at 1.8 by the ticks.
  const ratio = tickScale(byClass(svg, "ytick"), "y");
  const top = byClass(svg, "compare-point").find((c) => c.children[0]!.text === "s1")!;
  assert.ok(Math.abs(ratio(Number(top.attrs.cy)) - 1.8) < 0.01);
  assert.deepEqual(outside(svg), []);
});

test("frontierSvg draws no second prediction when the second line carries none", () => {
  const compare = { label: "stage", line: [{ label: "s1", bytes: 3 * MiB, ratio: 1.8 }] };
  const svg = parseSvg(frontierSvg({ ...plot, compare }));
  assert.equal(byClass(svg, "compare-predicted").length, 0);
  assert.deepEqual(legendLabels(svg), [
    "optimal(bytes)",
    "optimal(bytes), predicted",
    "stage",
    "storeAll",
    "sqrt(every=2)",
  ]);
});
