/**
 * The GPU host check's report: one JSON object, written after every phase so that a run cut
 * short still leaves what it measured, and a verdict listing every problem found.
 * @module
 */
import type { JunitSummary } from "../../scripts/junit_summary.ts";
import type { MatmulTiming } from "../webgpu_matmul.ts";
import type { AdapterReport } from "./adapter_probe.ts";
import type { ChildRun } from "./subprocess.ts";
import type { StrategyStepReport } from "./strategy_steps.ts";

/** Figures the GPU-host example writes with `--json`. */
export interface HostExampleFigures {
  readonly backend: string;
  readonly model: string;
  readonly batch: number;
  readonly seqLen: number;
  readonly strategy: string;
  readonly storeAllPeakBytes: number;
  readonly budgetBytes: number;
  readonly predictedPeakBytes: number;
  readonly measuredPeakBytes: number;
  readonly msPerStep: number;
  readonly tokensPerSecond: number;
  readonly loss: { readonly first: number; readonly last: number };
}

/** The whole report. */
export interface GpuCheckReport {
  readonly version: 1;
  /** True for `run --local` (software adapter, small sizes). */
  readonly local: boolean;
  readonly startedAt: string;
  readonly environment: {
    readonly deno: string;
    readonly os: string;
    readonly arch: string;
    readonly cpus: number;
  };
  adapter?: AdapterReport;
  /** The backend's own name for the device it opened. */
  backendDevice?: string;
  matmul: MatmulTiming[];
  /** Sizes not timed because the time budget ran out. */
  matmulSkipped: number[];
  steps: StrategyStepReport[];
  hostExample?: { readonly run: ChildRun; readonly figures?: HostExampleFigures };
  suites?: { readonly run: ChildRun; readonly summary?: JunitSummary };
  /** How long each phase took, in order. */
  phases: Array<{ readonly name: string; readonly seconds: number; readonly error?: string }>;
  /** Everything found wrong; empty when the check passed. */
  problems: string[];
}
