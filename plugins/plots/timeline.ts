/**
 * A plan's schedule as a standalone SVG: one row per stage with a bar per instruction over
 * the predicted time (first forwards, recomputations and backwards in three colours, the
 * loss as a thin marker), and beneath it, on the same time axis, the live activation memory
 * of `tracePlan` (the memory model of `predictPlan`) with its peak marked.
 * @module
 */
import { formatInstruction, type Plan, type Profile, tracePlan, type TraceStep } from "@remat/core";
import { esc, MiB, niceStep, px, svgOpen, tickLabel, ticksOf } from "./_svg.ts";
import { fitLine } from "./_text.ts";

/**
 * Options of `timelineSvg`.
 *
 * @example
 * ```ts
 * import type { TimelineOptions } from "@remat/plots";
 * const options: TimelineOptions = { title: "sqrt on the reference MLP" };
 * ```
 */
export interface TimelineOptions {
  /** The title above the plot; default `"<plan.strategy>: schedule"`. */
  readonly title?: string;
}

/** The colour of each kind of bar, by its SVG class. */
const TIMELINE_COLORS: Readonly<Record<"fwd" | "recompute" | "bwd" | "loss", string>> = {
  fwd: "#1f77b4",
  recompute: "#ff7f0e",
  bwd: "#2ca02c",
  loss: "#d62728",
};

const W = 860, H = 650, L = 84, R = 30;
/** Space kept between the title and the canvas's edges. */
const MARGIN = 8;
const ROWS_TOP = 92, ROWS_H = 300, MEM_TOP = 430, MEM_H = 160;

/**
 * Renders a plan's schedule timeline and live-memory curve as a standalone SVG (860 × 650).
 * A title or model description too wide for the canvas is drawn smaller, then cut short with "…".
 *
 * @param plan A valid plan for the profile's chain.
 * @param profile The profile whose times place the bars and whose bytes give the memory curve.
 * @param options `title` (default `"<plan.strategy>: schedule"`).
 * @returns The SVG text.
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { sqrt } from "@remat/strategies";
 * import { timelineSvg } from "@remat/plots";
 * const profile = staticProfile(mlp({ depth: 8, width: 64, hidden: 256, classes: 10 }), 32);
 * const svg = timelineSvg(sqrt(profile), profile, { title: "sqrt on an 8-block MLP" });
 * console.log(svg.length);
 * ```
 */
export function timelineSvg(plan: Plan, profile: Profile, options: TimelineOptions = {}): string {
  const { steps } = tracePlan(profile, plan);
  const n = profile.stages.length;
  const total = Math.max(steps.at(-1)?.end ?? 0, 1e-9);
  const peak = Math.max(0, ...steps.map((s) => s.peakBytes));
  const x = (ms: number) => L + (ms / total) * (W - L - R);
  const rowH = ROWS_H / Math.max(n, 1);
  const out: string[] = [svgOpen(W, H)];
  const title = fitLine(options.title ?? `${plan.strategy}: schedule`, {
    width: W - 2 * MARGIN,
    size: 16,
    minSize: 10,
    bold: true,
  });
  out.push(
    `<text class="title" x="${
      W / 2
    }" y="26" text-anchor="middle" font-size="${title.size}" font-weight="bold">${esc(title.text)}</text>`,
  );
  const sub = fitLine(
    `${profile.chain}, batch ${profile.batch}, ${profile.source} profile; ` +
      `predicted ${total.toFixed(total < 10 ? 2 : 1)} ms, peak ${(peak / MiB).toFixed(2)} MiB`,
    { width: W - 2 * MARGIN, size: 12, minSize: 9 },
  );
  out.push(
    `<text class="subtitle" x="${W / 2}" y="46" text-anchor="middle" font-size="${sub.size}" fill="#333">${
      esc(sub.text)
    }</text>`,
  );
  out.push(...legend());
  // Time axis: gridlines through both panels, labels under the memory panel.
  const xStep = niceStep(total, 8);
  for (const t of ticksOf(0, total, xStep)) {
    const cx = px(x(t));
    out.push(`<line x1="${cx}" y1="${ROWS_TOP}" x2="${cx}" y2="${ROWS_TOP + ROWS_H}" stroke="#e5e5e5"/>`);
    out.push(`<line x1="${cx}" y1="${MEM_TOP}" x2="${cx}" y2="${MEM_TOP + MEM_H}" stroke="#e5e5e5"/>`);
    out.push(
      `<text class="xtick" x="${cx}" y="${MEM_TOP + MEM_H + 18}" text-anchor="middle">${
        tickLabel(t, xStep)
      }</text>`,
    );
  }
  out.push(
    `<text class="axis-title" x="${(L + W - R) / 2}" y="${
      H - 14
    }" text-anchor="middle">predicted time (ms)</text>`,
  );
  // Stage rows: stage 0 at the top.
  const every = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].find((k) => k * rowH >= 15) ??
    Math.ceil(15 / rowH);
  for (let s = 0; s < n; s += every) {
    out.push(
      `<text class="stage-tick" x="${L - 8}" y="${
        px(ROWS_TOP + (s + 0.5) * rowH)
      }" text-anchor="end" dominant-baseline="central">${s}</text>`,
    );
  }
  out.push(
    `<rect x="${L}" y="${ROWS_TOP}" width="${W - L - R}" height="${ROWS_H}" fill="none" stroke="black"/>`,
  );
  out.push(
    `<text class="axis-title" transform="translate(24 ${
      ROWS_TOP + ROWS_H / 2
    }) rotate(-90)" text-anchor="middle">stage (0 = input)</text>`,
  );
  const seen = new Array<boolean>(n).fill(false);
  plan.instructions.forEach((ins, i) => {
    const step = steps[i]!;
    const tip = `<title>${
      esc(`${formatInstruction(ins)}: ${step.start.toFixed(2)}–${step.end.toFixed(2)} ms`)
    }</title>`;
    if (ins.op === "loss") {
      const lx = px(x(step.start));
      out.push(
        `<line class="loss" x1="${lx}" y1="${ROWS_TOP}" x2="${lx}" y2="${
          ROWS_TOP + ROWS_H
        }" stroke="${TIMELINE_COLORS.loss}" stroke-width="2">${tip}</line>`,
      );
      return;
    }
    if (ins.op !== "forward" && ins.op !== "backward") return;
    const kind = ins.op === "backward" ? "bwd" : seen[ins.stage] ? "recompute" : "fwd";
    if (ins.op === "forward") seen[ins.stage] = true;
    const bx = x(step.start), bw = Math.max(3, x(step.end) - bx); // cheap stages stay visible
    const by = ROWS_TOP + ins.stage * rowH + rowH * 0.1;
    out.push(
      `<rect class="${kind}" x="${px(bx)}" y="${px(by)}" width="${px(bw)}" height="${
        px(Math.max(rowH * 0.8, 0.5))
      }" fill="${TIMELINE_COLORS[kind]}">${tip}</rect>`,
    );
  });
  out.push(...memoryPanel(steps, plan.instructions.map((i) => i.op === "free"), peak, x));
  out.push("</svg>");
  return out.join("\n");
}

function legend(): string[] {
  const items: Array<[keyof typeof TIMELINE_COLORS, string]> = [
    ["fwd", "forward (first)"],
    ["recompute", "forward (recompute)"],
    ["bwd", "backward"],
    ["loss", "loss"],
  ];
  const out: string[] = [];
  let lx = L;
  for (const [kind, label] of items) {
    out.push(
      kind === "loss"
        ? `<line x1="${lx + 7}" y1="${ROWS_TOP - 26}" x2="${lx + 7}" y2="${
          ROWS_TOP - 12
        }" stroke="${TIMELINE_COLORS.loss}" stroke-width="2"/>`
        : `<rect x="${lx}" y="${ROWS_TOP - 25}" width="14" height="12" fill="${TIMELINE_COLORS[kind]}"/>`,
    );
    out.push(`<text class="legend" x="${lx + 20}" y="${ROWS_TOP - 14}">${label}</text>`);
    lx += 40 + label.length * 7.5;
  }
  return out;
}

function memoryPanel(
  steps: ReadonlyArray<TraceStep>,
  free: ReadonlyArray<boolean>,
  peak: number,
  x: (ms: number) => number,
): string[] {
  const out: string[] = [];
  const peakMiB = peak / MiB;
  const yStep = niceStep(Math.max(peakMiB * 1.15, 1e-6), 4);
  const yMax = Math.ceil((peakMiB * 1.15) / yStep) * yStep || 1;
  const y = (bytes: number) => MEM_TOP + MEM_H - (bytes / MiB / yMax) * MEM_H;
  for (const m of ticksOf(0, yMax, yStep)) {
    const cy = px(y(m * MiB));
    out.push(`<line x1="${L}" y1="${cy}" x2="${W - R}" y2="${cy}" stroke="#e5e5e5"/>`);
    out.push(
      `<text class="ytick" x="${L - 8}" y="${cy}" text-anchor="end" dominant-baseline="central">${
        tickLabel(m, yStep)
      }</text>`,
    );
  }
  // Area: what stays live between instructions (held through the next one). Line: each
  // instruction's peak while it runs (frees take no time and raise nothing, so they are skipped).
  const area: string[] = [`${px(x(0))},${px(y(0))}`];
  let before = 0;
  for (const s of steps) {
    area.push(`${px(x(s.start))},${px(y(before))}`, `${px(x(s.end))},${px(y(before))}`);
    before = s.liveBytes;
  }
  area.push(
    `${px(x(steps.at(-1)?.end ?? 0))},${px(y(before))}`,
    `${px(x(steps.at(-1)?.end ?? 0))},${px(y(0))}`,
  );
  const line = steps.filter((_, i) => !free[i]).flatMap((
    s,
  ) => [`${px(x(s.start))},${px(y(s.peakBytes))}`, `${px(x(s.end))},${px(y(s.peakBytes))}`]);
  out.push(`<polygon class="memory-area" fill="#9ecae1" stroke="none" points="${area.join(" ")}"/>`);
  out.push(
    `<polyline class="memory" fill="none" stroke="#08519c" stroke-width="1.2" points="${line.join(" ")}"/>`,
  );
  const ly = MEM_TOP - 12, lx = W - R - 400;
  out.push(
    `<rect x="${lx}" y="${ly - 9}" width="14" height="11" fill="#9ecae1"/>`,
    `<text class="legend" x="${lx + 20}" y="${ly}">live between instructions</text>`,
  );
  out.push(
    `<line x1="${lx + 210}" y1="${ly - 4}" x2="${lx + 226}" y2="${
      ly - 4
    }" stroke="#08519c" stroke-width="1.5"/>`,
    `<text class="legend" x="${lx + 232}" y="${ly}">peak while running</text>`,
  );
  out.push(
    `<rect x="${L}" y="${MEM_TOP}" width="${W - L - R}" height="${MEM_H}" fill="none" stroke="black"/>`,
  );
  out.push(
    `<text class="axis-title" transform="translate(24 ${
      MEM_TOP + MEM_H / 2
    }) rotate(-90)" text-anchor="middle">live activations (MiB)</text>`,
  );
  const at = steps.find((s) => s.peakBytes === peak);
  if (at) {
    const cx = x((at.start + at.end) / 2), cy = y(peak);
    const right = cx < (L + W - R) / 2;
    out.push(
      `<line x1="${L}" y1="${px(cy)}" x2="${W - R}" y2="${
        px(cy)
      }" stroke="#08519c" stroke-dasharray="4 4" stroke-width="1"/>`,
    );
    out.push(`<circle class="peak" cx="${px(cx)}" cy="${px(cy)}" r="4" fill="#d62728"/>`);
    out.push(
      `<text class="peak-label" x="${px(cx + (right ? 8 : -8))}" y="${px(cy - 7)}" text-anchor="${
        right ? "start" : "end"
      }" font-weight="bold">peak ${peakMiB.toFixed(2)} MiB</text>`,
    );
  }
  return out;
}
