/**
 * The frontier plot of a strategies benchmark's rows (what `remat bench` writes as JSON):
 * the `optimal` sweep as the line, with its predicted ratios, its whole-tapes sweep (where
 * the rows hold one) as a second line, and the compared strategies as points.
 * @module
 */
import { frontierSvg, shortLabel } from "./frontier.ts";

/** One measured row of `remat bench`'s JSON. */
export interface MeasuredRow {
  /**
   * "frontier" for the `optimal` sweep (granularity op), "frontier-stage" for its sweep with
   * whole tapes only (granularity stage), "point" for a compared strategy.
   */
  readonly series: "point" | "frontier" | "frontier-stage";
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
 * Draws the measured time–memory frontier of bench rows. Where the rows hold a
 * "frontier-stage" sweep, the lines read "optimal(bytes), op" and "optimal(bytes), stage";
 * otherwise (results written before the stage sweep) the one line reads "optimal(bytes)".
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
  const sweep = (series: MeasuredRow["series"]) =>
    rows.filter((r) => r.series === series).map((r) => ({
      label: r.strategy,
      bytes: r.measuredPeakBytes,
      ratio: r.measuredRatio,
      predictedRatio: r.predictedRatio,
    }));
  const stage = sweep("frontier-stage");
  return frontierSvg({
    title,
    lineLabel: stage.length > 0 ? "optimal(bytes), op" : "optimal(bytes)",
    line: sweep("frontier"),
    ...(stage.length > 0 ? { compare: { label: "optimal(bytes), stage", line: stage } } : {}),
    points: rows.filter((r) => r.series === "point").map((r) => ({
      label: shortLabel(r.strategy),
      bytes: r.measuredPeakBytes,
      ratio: r.measuredRatio,
    })),
  });
}
