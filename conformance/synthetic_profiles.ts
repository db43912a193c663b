/**
 * Hand-made profiles for planner tests and benchmarks: a stage of 4 KiB activations and 8 KiB
 * tapes (forward 1 ms, backward 2 ms) with any field overridden, and chains of n such stages.
 * @module
 */
import type { Profile, StageProfile } from "@remat/core";

/**
 * A synthetic stage: 4 KiB output, 8 KiB tape holding its input, peaks to match; `over`
 * replaces any field.
 * @example
 * ```ts
 * import { syntheticStage } from "@remat/conformance";
 * syntheticStage({ tapeBytes: 0 }).outputBytes; // 4096
 * ```
 */
export function syntheticStage(over: Partial<StageProfile> = {}): StageProfile {
  return {
    name: "block",
    kind: "linear",
    outputBytes: 4096,
    tapeBytes: 8192,
    tapeHoldsInput: true,
    tapeHoldsOutput: false,
    forwardPeakRecord: 12288,
    forwardPeakDiscard: 4096,
    backwardPeak: 8192,
    forwardTime: 1,
    backwardTime: 2,
    forwardFlops: 1,
    backwardFlops: 2,
    ...over,
  };
}

/**
 * n identical stages (`syntheticStage(over)`), the loss peaking at `lossPeak` (default twice a
 * stage's output) in 0.1 ms.
 * @example
 * ```ts
 * import { homogeneousProfile } from "@remat/conformance";
 * homogeneousProfile(100).stages.length; // 100
 * ```
 */
export function homogeneousProfile(
  n: number,
  over: Partial<StageProfile> = {},
  loss: { readonly peak?: number; readonly time?: number } = {},
): Profile {
  const stage = syntheticStage(over);
  return {
    chain: `homogeneous(${n})`,
    batch: 1,
    source: "synthetic",
    stages: new Array(n).fill(stage),
    loss: { peak: loss.peak ?? 2 * stage.outputBytes, time: loss.time ?? 0.1 },
  };
}
