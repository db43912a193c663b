/**
 * The frontier plot of a strategies benchmark's rows (what `remat bench` writes as JSON):
 * the `optimal` sweep as the line, with its predicted ratios, and the compared strategies
 * as points.
 * @module
 */
import { frontierSvg, shortLabel } from "./frontier.ts";

/** One measured row of `remat bench`'s JSON. */
export interface MeasuredRow {
  /** "frontier" for the `optimal` sweep, "point" for a compared strategy. */
  readonly series: "point" | "frontier";
  /** The plan's strategy name. */
  readonly strategy: string;
  /** Peak activation bytes measured. */
  readonly measuredPeakBytes: number;
  /** Measured step time over store-all's. */
  readonly measuredRatio: number;
  /** Predicted step time over store-all's. */
  readonly predictedRatio: number;
}

/**
 * Draws the measured time–memory frontier of bench rows.
 * @param title the plot's title
 * @example
 * ```ts
 * import { measuredFrontierSvg } from "@remat/plots";
 * const svg = measuredFrontierSvg("MLP: time–memory frontier", [
 *   { series: "point", strategy: "storeAll", measuredPeakBytes: 8e6, measuredRatio: 1, predictedRatio: 1 },
 *   { series: "frontier", strategy: "optimal(bytes=4000000)", measuredPeakBytes: 4e6, measuredRatio: 1.2, predictedRatio: 1.18 },
 * ]);
 * ```
 */
export function measuredFrontierSvg(title: string, rows: ReadonlyArray<MeasuredRow>): string {
  return frontierSvg({
    title,
    lineLabel: "optimal(bytes)",
    line: rows.filter((r) => r.series === "frontier").map((r) => ({
      label: r.strategy,
      bytes: r.measuredPeakBytes,
      ratio: r.measuredRatio,
      predictedRatio: r.predictedRatio,
    })),
    points: rows.filter((r) => r.series === "point").map((r) => ({
      label: shortLabel(r.strategy),
      bytes: r.measuredPeakBytes,
      ratio: r.measuredRatio,
    })),
  });
}
