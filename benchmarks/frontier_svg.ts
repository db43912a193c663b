/**
 * A time–memory frontier as a standalone SVG: a line for a strategy swept over budgets,
 * points for the others, axes with units, a legend; legible at 800 px wide. Where the line's
 * points carry a predicted ratio, the predicted frontier is drawn dashed beside the measured one.
 * @module
 */

/** One plotted point: memory in bytes, time as a ratio to store-all. */
export interface FrontierPoint {
  readonly label: string;
  readonly bytes: number;
  readonly ratio: number;
  /** The ratio the memory model and profile predicted, drawn dashed for the line. */
  readonly predictedRatio?: number;
}

/** Options of `frontierSvg`. */
export interface FrontierPlot {
  readonly title: string;
  /** The swept strategy's points (drawn as a line, sorted by bytes). */
  readonly line: ReadonlyArray<FrontierPoint>;
  readonly lineLabel: string;
  /** Other strategies, drawn as labelled markers. */
  readonly points: ReadonlyArray<FrontierPoint>;
}

const W = 860, H = 500, L = 80, R = 230, T = 50, B = 60;
const COLORS = ["#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];

/** Renders the plot. */
export function frontierSvg(plot: FrontierPlot): string {
  const all = [...plot.line, ...plot.points];
  const maxMiB = Math.max(...all.map((p) => p.bytes)) / 2 ** 20 * 1.05;
  const minR = Math.min(1, ...all.map((p) => p.ratio));
  const maxR = Math.max(...all.map((p) => Math.max(p.ratio, p.predictedRatio ?? 0)));
  const r0 = Math.floor(minR * 20) / 20, r1 = Math.ceil(maxR * 20) / 20 + 0.05;
  const x = (bytes: number) => L + ((bytes / 2 ** 20) / maxMiB) * (W - L - R);
  const y = (ratio: number) => H - B - ((ratio - r0) / (r1 - r0)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2 - R / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${esc(plot.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const mib = (maxMiB * i) / 5;
    const px = x(mib * 2 ** 20);
    out.push(`<line x1="${px}" y1="${T}" x2="${px}" y2="${H - B}" stroke="#eee"/>`);
    out.push(`<text x="${px}" y="${H - B + 18}" text-anchor="middle">${mib.toFixed(mib < 10 ? 1 : 0)}</text>`);
  }
  const steps = Math.round((r1 - r0) / 0.05);
  const every = Math.max(1, Math.ceil(steps / 8));
  for (let i = 0; i <= steps; i += every) {
    const r = r0 + i * 0.05;
    out.push(`<line x1="${L}" y1="${y(r)}" x2="${W - R}" y2="${y(r)}" stroke="#eee"/>`);
    out.push(`<text x="${L - 8}" y="${y(r) + 4}" text-anchor="end">${r.toFixed(2)}×</text>`);
  }
  out.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`);
  out.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 15}" text-anchor="middle">peak activation memory (MiB, measured)</text>`);
  out.push(`<text transform="translate(20 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">step time / store-all (measured)</text>`);
  const line = [...plot.line].sort((a, b) => a.bytes - b.bytes);
  const predicted = line.filter((p) => p.predictedRatio !== undefined);
  if (predicted.length > 0) {
    out.push(`<polyline fill="none" stroke="#555" stroke-width="1.5" stroke-dasharray="5 4" points="${predicted.map((p) => `${x(p.bytes).toFixed(1)},${y(p.predictedRatio!).toFixed(1)}`).join(" ")}"/>`);
  }
  out.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${line.map((p) => `${x(p.bytes).toFixed(1)},${y(p.ratio).toFixed(1)}`).join(" ")}"/>`);
  for (const p of line) out.push(`<circle cx="${x(p.bytes).toFixed(1)}" cy="${y(p.ratio).toFixed(1)}" r="3" fill="#1f77b4"/>`);
  plot.points.forEach((p, i) => {
    const c = COLORS[i % COLORS.length];
    out.push(`<rect x="${(x(p.bytes) - 5).toFixed(1)}" y="${(y(p.ratio) - 5).toFixed(1)}" width="10" height="10" fill="${c}" stroke="black" stroke-width="0.5"/>`);
  });
  const lx = W - R + 15;
  out.push(`<line x1="${lx}" y1="${T + 10}" x2="${lx + 20}" y2="${T + 10}" stroke="#1f77b4" stroke-width="2"/>`);
  out.push(`<text x="${lx + 26}" y="${T + 14}">${esc(plot.lineLabel)}</text>`);
  const legendTop = predicted.length > 0 ? T + 56 : T + 34;
  if (predicted.length > 0) {
    out.push(`<line x1="${lx}" y1="${T + 32}" x2="${lx + 20}" y2="${T + 32}" stroke="#555" stroke-width="1.5" stroke-dasharray="5 4"/>`);
    out.push(`<text x="${lx + 26}" y="${T + 36}">${esc(plot.lineLabel)}, predicted</text>`);
  }
  plot.points.forEach((p, i) => {
    const ly = legendTop + i * 22;
    out.push(`<rect x="${lx + 5}" y="${ly - 5}" width="10" height="10" fill="${COLORS[i % COLORS.length]}" stroke="black" stroke-width="0.5"/>`);
    out.push(`<text x="${lx + 26}" y="${ly + 4}">${esc(p.label)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

/** A legend label without the bytes a fraction resolved to: "budget(fraction=0.5)". */
export function shortLabel(strategy: string): string {
  return strategy.replace(/, bytes=\d+\)$/, ")");
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
