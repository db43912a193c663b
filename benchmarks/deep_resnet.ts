/**
 * The deep-ResNet benchmark: the headline effect of checkpointing at this machine's scale. Under
 * one fixed activation budget it finds the deepest ResNet (blocks per group, three groups) that
 * store-all fits and the deepest that `optimal` fits at a predicted time overhead of at most
 * --overhead (default 0.3, the "30% more time" of Chen et al.; memory alone does not bound
 * `optimal`, which can always recompute more), then trains steps of each on the CPU
 * backend and reports the depth ratio, the peaks measured beside the predicted ones, and the
 * time of `optimal` on its deepest net against store-all on that same net (run without the
 * budget: it needs more memory than the budget, which is the point), as the median ratio of
 * alternating steps in one run.
 *
 *   deno task bench:deep-resnet [--budget 4MiB] [--size 16] [--width 4] [--batch 8]
 *                               [--max-depth 256] [--pairs 5] [--out benchmarks/results]
 *
 * Writes deep_resnet.json into --out.
 * @module
 */
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { initParams, releaseParams, uploadBatch } from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { formatBytes, intOption, numberOption, PairedTimer, parseBytes, writeOutput } from "@remat/cli";
import { generatedImages } from "@remat/datasets";
import { storeAll, type StrategyPlan } from "@remat/strategies";
import {
  deepestUnder,
  deepResnet,
  type DeepResnetShape,
  optimalWithin,
  profiles,
} from "./deep_resnet/search.ts";

const { values } = parseArgs({
  options: {
    budget: { type: "string", default: "4MiB" },
    overhead: { type: "string" },
    size: { type: "string" },
    width: { type: "string" },
    batch: { type: "string" },
    "max-depth": { type: "string" },
    pairs: { type: "string" },
    out: { type: "string", default: "benchmarks/results" },
  },
});
const bytes = parseBytes(values.budget!, "--budget");
const shape: DeepResnetShape = {
  size: intOption(values, "size", 16, { max: 256 }),
  width: intOption(values, "width", 4, { max: 256 }),
  batch: intOption(values, "batch", 8, { max: 1024 }),
};
const maxDepth = intOption(values, "max-depth", 256, { max: 4096 });
const pairs = intOption(values, "pairs", 5, { max: 1000 });
const overhead = numberOption(values, "overhead", 0.3, 0);

/** Convolutions of a depth-d net: the stem, two per block, a 1×1 projection in groups 2 and 3. */
const convLayers = (depth: number) => 1 + 2 * 3 * depth + 2;

const profileAt = profiles(shape);
console.log(
  `resnet on ${shape.size}×${shape.size} images, widths ${shape.width}/${2 * shape.width}/${
    4 * shape.width
  }, batch ${shape.batch}; activation budget ${formatBytes(bytes)}, optimal's time overhead at most ${
    (100 * overhead).toFixed(0)
  }%; searching depths 1..${maxDepth}…`,
);
let t0 = performance.now();
const deepest = deepestUnder(profileAt, { bytes, overhead, maxDepth });
console.log(
  `deepest under the budget: store-all ${deepest.storeAll} blocks per group (${
    convLayers(deepest.storeAll)
  } conv layers), optimal ${deepest.optimal} (${convLayers(deepest.optimal)} conv layers); search ${
    ((performance.now() - t0) / 1000).toFixed(1)
  } s`,
);
if (deepest.storeAll === 0) {
  console.error(
    `bench:deep-resnet: even one block per group does not fit ${formatBytes(bytes)} with store-all`,
  );
  process.exit(2);
}
if (deepest.optimal === maxDepth) {
  console.error(`bench:deep-resnet: optimal fits the cap --max-depth ${maxDepth}: raise it for a true ratio`);
  process.exit(2);
}

/** One measured depth: optimal under the budget against store-all on the same net. */
interface Row {
  readonly depth: number;
  readonly convLayers: number;
  readonly stages: number;
  readonly storeAll: { predictedPeakBytes: number; measuredPeakBytes: number; ms: number };
  readonly optimal: {
    readonly strategy: string;
    readonly predictedPeakBytes: number;
    readonly measuredPeakBytes: number;
    readonly ms: number;
    readonly planningMs: number;
    readonly untapedForwards: number;
  };
  /** optimal / store-all step time: median of alternating pairs, and the cost model's. */
  readonly timeRatio: { readonly measured: number; readonly predicted: number };
}

async function measure(depth: number): Promise<Row> {
  const chain = deepResnet(shape, depth), profile = profileAt(depth);
  const base: StrategyPlan = storeAll(profile);
  t0 = performance.now();
  const opt = optimalWithin(profile, bytes, overhead)!;
  const planningMs = performance.now() - t0;
  const backend = new CpuBackend();
  const params = initParams(chain, backend, 0);
  const batch = uploadBatch(generatedImages({ size: shape.size }), { backend, chain, size: shape.batch });
  try {
    const timer = await new PairedTimer(backend, chain, params, batch, base, pairs).warmUp();
    const run = await timer.duel(opt, base, pairs);
    const baseSteps: Array<{ ms: number; peakBytes: number }> = [];
    for (let s = 0; s < pairs; s++) baseSteps.push(await timer.step(base, s));
    const baseMs = baseSteps.map((r) => r.ms).sort((a, b) => a - b)[pairs >> 1]!;
    const b = base.summary(), o = opt.summary();
    return {
      depth,
      convLayers: convLayers(depth),
      stages: chain.stages.length,
      storeAll: {
        predictedPeakBytes: b.predictedPeakBytes,
        measuredPeakBytes: Math.max(...baseSteps.map((r) => r.peakBytes)),
        ms: baseMs,
      },
      optimal: {
        strategy: opt.strategy,
        predictedPeakBytes: o.predictedPeakBytes,
        measuredPeakBytes: run.peakBytes,
        ms: run.ms,
        planningMs,
        untapedForwards: o.untapedForwards,
      },
      timeRatio: { measured: run.ratio, predicted: o.predictedTime / b.predictedTime },
    };
  } finally {
    batch.x.release();
    batch.y.release();
    releaseParams(params);
    backend.dispose();
  }
}

const rows: Row[] = [];
for (const depth of [deepest.storeAll, deepest.optimal]) {
  const r = await measure(depth);
  rows.push(r);
  const fits = (n: number) => (n <= bytes ? "fits" : "over the budget");
  console.log(
    `depth ${r.depth} (${r.convLayers} conv layers, ${r.stages} stages): store-all peak ${
      formatBytes(r.storeAll.measuredPeakBytes)
    } (${fits(r.storeAll.measuredPeakBytes)}; predicted ${formatBytes(r.storeAll.predictedPeakBytes)}), ${
      r.storeAll.ms.toFixed(0)
    } ms/step; ${r.optimal.strategy} peak ${formatBytes(r.optimal.measuredPeakBytes)} (predicted ${
      formatBytes(r.optimal.predictedPeakBytes)
    }), ${r.optimal.ms.toFixed(0)} ms/step, ${r.optimal.untapedForwards} recomputed forwards, planned in ${
      r.optimal.planningMs.toFixed(0)
    } ms; time ×${r.timeRatio.measured.toFixed(3)} measured (${pairs} pairs), ×${
      r.timeRatio.predicted.toFixed(3)
    } predicted`,
  );
}
const deep = rows[1]!;
const summary = {
  depthRatio: deepest.optimal / deepest.storeAll,
  convLayerRatio: deep.convLayers / rows[0]!.convLayers,
  timeRatioAtDeepest: deep.timeRatio,
  storeAllBytesAtDeepest: deep.storeAll.measuredPeakBytes,
  peaksEqual: rows.every((r) =>
    r.storeAll.measuredPeakBytes === r.storeAll.predictedPeakBytes &&
    r.optimal.measuredPeakBytes === r.optimal.predictedPeakBytes
  ),
};
console.log(
  `under ${formatBytes(bytes)}: optimal trains a ResNet ×${
    summary.depthRatio.toFixed(2)
  } as deep (${deep.convLayers} vs ${rows[0]!.convLayers} conv layers) at ×${
    deep.timeRatio.measured.toFixed(3)
  } the step time; store-all ` +
    `would need ${formatBytes(summary.storeAllBytesAtDeepest)} for it; measured = predicted peaks: ${
      summary.peaksEqual ? "yes" : "NO"
    }`,
);
const file = path.join(values.out!, "deep_resnet.json");
writeOutput(
  file,
  JSON.stringify(
    {
      budgetBytes: bytes,
      overhead,
      shape,
      backend: "cpu",
      pairs,
      ratio: "median of (optimal / store-all) step-time ratios over alternating pairs in one run",
      deepest,
      summary,
      rows,
    },
    null,
    2,
  ),
);
console.log(`wrote ${file}`);
if (!summary.peaksEqual) process.exitCode = 1;
