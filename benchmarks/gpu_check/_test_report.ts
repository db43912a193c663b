/**
 * A complete, passing GPU check report for the tests of the verdict and the text summary.
 * @module
 */
import type { GpuCheckReport } from "./report_types.ts";

/** A fresh passing report; tests break one thing in it. */
export function passingReport(): GpuCheckReport {
  const run = { status: 0, timedOut: false, seconds: 12, tail: "" };
  return {
    version: 1,
    local: false,
    startedAt: "2026-12-01T00:00:00.000Z",
    environment: { deno: "2.9.6", os: "linux", arch: "x64", cpus: 16 },
    adapter: {
      vendor: "nvidia",
      architecture: "hopper",
      device: "",
      description: "NVIDIA H200",
      isFallbackAdapter: false,
      limits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31 },
      features: ["shader-f16", "timestamp-query"],
      probes: {
        "timestamp-query": { offered: true, granted: true },
        "shader-f16": { offered: true, granted: true },
        subgroups: { offered: false, granted: false },
      },
    },
    matmul: [{
      size: 4096,
      transA: false,
      transB: false,
      tile: 128,
      ms: 20,
      gflops: 6872,
      batches: 5,
      perBatch: 16,
      checked: { entries: 6, worstErrorOfBound: 0.01 },
    }],
    matmulSkipped: [],
    steps: [{
      model: "mlp(depth=32)",
      batch: 64,
      stages: 34,
      pairs: 9,
      dispatchesPerStep: 300,
      rows: [
        row("storeAll", 1000, 1000, 1),
        row("sqrt(every=3)", 180, 180, 1.3),
      ],
    }],
    hostExample: {
      run,
      figures: {
        backend: "webgpu",
        model: "gpt",
        batch: 16,
        seqLen: 256,
        strategy: "optimal",
        storeAllPeakBytes: 4000,
        budgetBytes: 1000,
        predictedPeakBytes: 990,
        measuredPeakBytes: 990,
        msPerStep: 40,
        tokensPerSecond: 100000,
        loss: { first: 3.8, last: 3.1 },
      },
    },
    suites: { run, summary: { passed: 96, failed: 0, skipped: 0, failures: [] } },
    phases: [{ name: "adapter", seconds: 0.2 }, { name: "matmul", seconds: 9 }],
    problems: [],
  };
}

function row(strategy: string, measured: number, predicted: number, ratio: number) {
  return {
    strategy,
    measuredPeakBytes: measured,
    predictedPeakBytes: predicted,
    peaksEqual: measured === predicted,
    ms: 10 * ratio,
    measuredRatio: ratio,
    predictedRatio: ratio,
    recomputedForwards: 0,
  };
}
