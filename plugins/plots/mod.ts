/**
 * @remat/plots — standalone SVG plots of checkpointing: a plan's schedule timeline with its
 * live activation memory (`timelineSvg`), and the time–memory frontier of strategies
 * (`frontierSvg`). Plain strings, no browser or DOM needed; legible at 800 px wide.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { sqrt } from "@remat/strategies";
 * import { timelineSvg } from "@remat/plots";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const svg = timelineSvg(sqrt(profile), profile); // write it to a .svg file to view it
 * console.log(svg.startsWith("<svg"));
 * ```
 * @module
 */
export * from "./frontier.ts";
export * from "./measured_frontier.ts";
export * from "./timeline.ts";

/** Types of @remat/core that appear in this package's signatures, re-exported so its docs are complete. */
export type {
  Instruction,
  Plan,
  PlanTarget,
  Profile,
  StageMode,
  StageProfile,
  TapePolicy,
} from "@remat/core";
