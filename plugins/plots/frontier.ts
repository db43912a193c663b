/**
 * A time–memory frontier as a standalone SVG: a line for a strategy swept over budgets
 * (optionally a second swept line to compare it with), points for the others, axes with
 * units, a legend; legible at 800 px wide. Where a line's points carry a predicted ratio, its
 * predicted frontier is drawn dashed beside the measured one.
 * @module
 */
import { esc, MiB, niceStep, px, svgOpen, tickLabel, ticksOf } from "./_svg.ts";
import { fitTitle, textWidth, wrapText } from "./_text.ts";

/**
 * One plotted point: memory in bytes, time as a ratio to store-all.
 *
 * @example
 * ```ts
 * import type { FrontierPoint } from "@remat/plots";
 * const p: FrontierPoint = { label: "sqrt(every=2)", bytes: 4592640, ratio: 1.25, predictedRatio: 1.33 };
 * ```
 */
export interface FrontierPoint {
  /** What the point is, e.g. "sqrt(every=2)"; shown in the legend. */
  readonly label: string;
  /** Peak activation bytes. */
  readonly bytes: number;
  /** Step time as a ratio to store-all's. */
  readonly ratio: number;
  /** The ratio the memory model and profile predicted, drawn dashed for the line. */
  readonly predictedRatio?: number;
}

/**
 * A second swept line of a frontier plot, drawn in its own colour with hollow markers.
 *
 * @example
 * ```ts
 * import type { FrontierLine } from "@remat/plots";
 * const stage: FrontierLine = { label: "optimal(bytes), stage", line: [{ label: "a", bytes: 2 ** 22, ratio: 1.4 }] };
 * ```
 */
export interface FrontierLine {
  /** The line's name in the legend. */
  readonly label: string;
  /** Its points (drawn as a line, sorted by bytes); predicted ratios, where given, drawn dashed. */
  readonly line: ReadonlyArray<FrontierPoint>;
}

/**
 * What `frontierSvg` draws: a swept strategy as a line, optionally a second one to compare it
 * with, other strategies as points.
 *
 * @example
 * ```ts
 * import type { FrontierPlot } from "@remat/plots";
 * const plot: FrontierPlot = { title: "frontier", lineLabel: "optimal(bytes)", line: [], points: [{ label: "storeAll", bytes: 2 ** 24, ratio: 1 }] };
 * ```
 */
export interface FrontierPlot {
  /** The title above the plot. */
  readonly title: string;
  /** The swept strategy's points (drawn as a line, sorted by bytes). */
  readonly line: ReadonlyArray<FrontierPoint>;
  /** The swept strategy's name in the legend. */
  readonly lineLabel: string;
  /** Other strategies, drawn as markers with legend entries. */
  readonly points: ReadonlyArray<FrontierPoint>;
  /** A second swept line (e.g. the same strategy under other options), with its own legend entry. */
  readonly compare?: FrontierLine;
}

const W = 860, H = 500, L = 80, R = 240, T = 50, B = 62;
const COLORS = [
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#17becf",
  "#7f7f7f",
  "#bcbd22",
];
const LINE = "#1f77b4", PREDICTED = "#555";
/** The second line's colour and its prediction's (a colour no point takes). */
const COMPARE = "#00796b", COMPARE_PREDICTED = "#4db6ac";
/** Space kept between text and the canvas's edge. */
const MARGIN = 8;

/**
 * Renders a time–memory frontier as a standalone SVG document (860 × 500). A title too long
 * for one line is centred on the canvas and wrapped onto two, in a smaller font if need be;
 * legend labels too long for the legend wrap onto a second line at a space, and end in "…"
 * where that is not enough. A second line (`plot.compare`) is drawn in its own colour with
 * hollow markers, its prediction dashed in a lighter shade.
 *
 * @param plot The title, the swept line with its label, the other strategies' points, and
 *   optionally a second swept line.
 * @returns The SVG text.
 * @example
 * ```ts
 * import { frontierSvg } from "@remat/plots";
 * const svg = frontierSvg({
 *   title: "MLP frontier",
 *   lineLabel: "optimal(bytes)",
 *   line: [{ label: "a", bytes: 2 ** 22, ratio: 1.3, predictedRatio: 1.28 }, { label: "b", bytes: 2 ** 23, ratio: 1.1 }],
 *   points: [{ label: "storeAll", bytes: 2 ** 24, ratio: 1 }],
 * });
 * console.log(svg.length);
 * ```
 */
export function frontierSvg(plot: FrontierPlot): string {
  const second = plot.compare?.line ?? [];
  const all = [...plot.line, ...second, ...plot.points];
  if (all.length === 0) throw new RangeError("frontierSvg: nothing to plot (line and points are both empty)");
  const ratios = all.flatMap((
    p,
  ) => (p.predictedRatio === undefined ? [p.ratio] : [p.ratio, p.predictedRatio]));
  const maxMiB = Math.max(...all.map((p) => p.bytes)) / MiB;
  const xStep = niceStep(maxMiB * 1.05, 6);
  const xMax = Math.ceil((maxMiB * 1.05) / xStep) * xStep;
  const lo = Math.min(1, ...ratios), hi = Math.max(...ratios);
  const yStep = niceStep(Math.max(hi - lo, 0.1), 10);
  const r0 = Math.floor((lo - 0.02 * (hi - lo)) / yStep) * yStep;
  const r1 = Math.ceil((hi + 0.03 * (hi - lo)) / yStep) * yStep;
  const x = (bytes: number) => L + (bytes / MiB / xMax) * (W - L - R);
  const y = (ratio: number) => H - B - ((ratio - r0) / (r1 - r0)) * (H - T - B);
  const out: string[] = [svgOpen(W, H)];
  out.push(...title(plot.title));
  for (const mib of ticksOf(0, xMax, xStep)) {
    const cx = px(x(mib * MiB));
    out.push(`<line x1="${cx}" y1="${T}" x2="${cx}" y2="${H - B}" stroke="#e5e5e5"/>`);
    out.push(
      `<text class="xtick" x="${cx}" y="${H - B + 18}" text-anchor="middle">${tickLabel(mib, xStep)}</text>`,
    );
  }
  for (const r of ticksOf(r0, r1, yStep)) {
    const cy = px(y(r));
    out.push(`<line x1="${L}" y1="${cy}" x2="${W - R}" y2="${cy}" stroke="#e5e5e5"/>`);
    out.push(
      `<text class="ytick" x="${L - 8}" y="${cy}" text-anchor="end" dominant-baseline="central">${
        tickLabel(r, yStep)
      }×</text>`,
    );
  }
  out.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`);
  out.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`);
  out.push(
    `<text class="axis-title" x="${(L + W - R) / 2}" y="${
      H - 16
    }" text-anchor="middle">peak activation memory (MiB)</text>`,
  );
  out.push(
    `<text class="axis-title" transform="translate(22 ${
      (T + H - B) / 2
    }) rotate(-90)" text-anchor="middle">step time / store-all (×)</text>`,
  );
  const pts = (ps: ReadonlyArray<FrontierPoint>, r: (p: FrontierPoint) => number) =>
    ps.map((p) => `${px(x(p.bytes))},${px(y(r(p)))}`).join(" ");
  /** A swept line: its predicted ratios dashed, its measured ones solid, a marker per budget. */
  const sweep = (
    points: ReadonlyArray<FrontierPoint>,
    cls: string,
    look: { stroke: string; predicted: string; marker: string },
  ): { drawn: string[]; hasPredicted: boolean } => {
    const line = [...points].sort((a, b) => a.bytes - b.bytes);
    const predicted = line.filter((p) => p.predictedRatio !== undefined);
    const drawn: string[] = [];
    if (predicted.length > 0) {
      drawn.push(
        `<polyline class="${
          cls === "line" ? "predicted" : `${cls}-predicted`
        }" fill="none" stroke="${look.predicted}" stroke-width="1.5" stroke-dasharray="5 4" points="${
          pts(predicted, (p) => p.predictedRatio!)
        }"/>`,
      );
    }
    if (line.length > 0) {
      drawn.push(
        `<polyline class="${cls}" fill="none" stroke="${look.stroke}" stroke-width="2" points="${
          pts(line, (p) => p.ratio)
        }"/>`,
      );
    }
    for (const p of line) {
      drawn.push(
        `<circle class="${cls}-point" cx="${px(x(p.bytes))}" cy="${
          px(y(p.ratio))
        }" r="3" ${look.marker}><title>${esc(p.label)}</title></circle>`,
      );
    }
    return { drawn, hasPredicted: predicted.length > 0 };
  };
  // the compared sweep first, so the main line is drawn over it
  const other = sweep(second, "compare", {
    stroke: COMPARE,
    predicted: COMPARE_PREDICTED,
    marker: `fill="white" stroke="${COMPARE}" stroke-width="1.5"`,
  });
  const main = sweep(plot.line, "line", { stroke: LINE, predicted: PREDICTED, marker: `fill="${LINE}"` });
  out.push(...other.drawn, ...main.drawn);
  plot.points.forEach((p, i) => {
    out.push(
      `<rect class="point" x="${px(x(p.bytes) - 5)}" y="${px(y(p.ratio) - 5)}" width="10" height="10" fill="${
        COLORS[i % COLORS.length]
      }" stroke="black" stroke-width="0.5"><title>${esc(p.label)}</title></rect>`,
    );
  });
  out.push(...legend(plot, main.hasPredicted, other.hasPredicted));
  out.push("</svg>");
  return out.join("\n");
}

/** The title: one line centred over the plot when it fits there, else fitted to the canvas. */
function title(text: string): string[] {
  const centre = (L + W - R) / 2;
  const line = (x: number, y: number, size: number, s: string) =>
    `<text class="title" x="${x}" y="${px(y)}" text-anchor="middle" font-size="${size}" font-weight="bold">${
      esc(s)
    }</text>`;
  if (textWidth(text, { size: 16, bold: true }) <= 2 * (centre - MARGIN)) return [line(centre, 28, 16, text)];
  const { lines, size } = fitTitle(text, { width: W - 2 * MARGIN, size: 16 });
  const top = lines.length === 1 ? 28 : 20;
  return lines.map((s, i) => line(W / 2, top + i * 1.2 * size, size, s));
}

function legend(plot: FrontierPlot, withPredicted: boolean, withComparePredicted: boolean): string[] {
  const lx = W - R + 18, out: string[] = [];
  const room = W - MARGIN - (lx + 28);
  let ly = T + 10;
  /** A label on one line, or two where it is too wide; later entries move down to make room. */
  const label = (s: string) => {
    wrapText(s, { max: room, size: 13 }).forEach((t, i) => {
      if (i > 0) ly += 15;
      out.push(`<text class="legend" x="${lx + 28}" y="${ly + 4}">${esc(t)}</text>`);
    });
  };
  out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${LINE}" stroke-width="2"/>`);
  label(plot.lineLabel);
  if (withPredicted) {
    ly += 22;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${
        lx + 20
      }" y2="${ly}" stroke="${PREDICTED}" stroke-width="1.5" stroke-dasharray="5 4"/>`,
    );
    label(`${plot.lineLabel}, predicted`);
  }
  if (plot.compare !== undefined) {
    ly += 22;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 20}" y2="${ly}" stroke="${COMPARE}" stroke-width="2"/>`,
      `<circle cx="${lx + 10}" cy="${ly}" r="3" fill="white" stroke="${COMPARE}" stroke-width="1.5"/>`,
    );
    label(plot.compare.label);
    if (withComparePredicted) {
      ly += 22;
      out.push(
        `<line x1="${lx}" y1="${ly}" x2="${
          lx + 20
        }" y2="${ly}" stroke="${COMPARE_PREDICTED}" stroke-width="1.5" stroke-dasharray="5 4"/>`,
      );
      label(`${plot.compare.label}, predicted`);
    }
  }
  ly += 12;
  plot.points.forEach((p, i) => {
    ly += 22;
    out.push(
      `<rect x="${lx + 5}" y="${ly - 5}" width="10" height="10" fill="${
        COLORS[i % COLORS.length]
      }" stroke="black" stroke-width="0.5"/>`,
    );
    label(p.label);
  });
  return out;
}

/**
 * A strategy name as a legend label: a budget's resolved bytes are dropped
 * ("budget(fraction=0.5, bytes=123)" → "budget(fraction=0.5)") and other byte counts shown in MiB.
 *
 * @param strategy A plan's `strategy` string.
 * @returns The shorter label.
 * @example
 * ```ts
 * import { shortLabel } from "@remat/plots";
 * console.log(shortLabel("optimal(bytes=4592640)")); // "optimal(bytes=4.38 MiB)"
 * ```
 */
export function shortLabel(strategy: string): string {
  return strategy
    .replace(/, bytes=\d+\)$/, ")")
    .replace(/bytes=(\d+)/g, (_, b: string) => `bytes=${(Number(b) / MiB).toFixed(2)} MiB`);
}
