/**
 * The GPU-host script: trains a GPT big enough that store-all would not fit a given activation
 * budget, on WebGPU, with the fastest plan that fits (`optimal`, or another strategy), and
 * prints step time, token throughput and memory: the plan's predicted peak, the measured one,
 * and store-all's for comparison.
 *
 *   deno task gpu                                   # defaults: WebGPU, 12 layers, d=512, budget 25%
 *   deno task gpu --layers 2 --d-model 64 --seq-len 32 --batch 4 --steps 5 --budget 0.7   # quick check
 *   deno task gpu --json run.json                   # the figures as JSON too (the GPU host check reads it)
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { Effect } from "effect";
import { adamw, gpt, isRematError, staticProfile, train, withBackend } from "@remat/core";
import { optimal, storeAll } from "@remat/strategies";
import { createBackend, type WebGpuBackend } from "@remat/webgpu";
import { textWindows } from "@remat/datasets";
import { formatBytes } from "@remat/cli";
import { ProgressBar } from "./progress.ts";
import { planFor } from "@remat/cli";

const HELP = `usage: deno task gpu [options]
  --backend NAME      webgpu (default), auto or cpu
  --layers N          transformer blocks (default 12)
  --d-model N         model width (default 512)
  --heads N           attention heads (default 8)
  --seq-len N         context length (default 256)
  --batch N           sequences per step (default 16)
  --steps N           optimizer steps (default 20)
  --budget F          activation budget as a fraction of store-all's peak (default 0.25)
  --strategy NAME     optimal (default) at the budget, or storeAll, sqrt, revolve --slots S, …
  --lr X              AdamW learning rate (default 1e-3)
  --json PATH         also write the figures as JSON to PATH
  --help              this text`;

const str = { type: "string" } as const;
const { values } = parseArgs({
  options: {
    backend: { type: "string", default: "webgpu" },
    layers: str,
    "d-model": str,
    heads: str,
    "seq-len": str,
    batch: str,
    steps: str,
    budget: str,
    lr: str,
    strategy: { type: "string", default: "optimal" },
    slots: str,
    every: str,
    json: str,
    help: { type: "boolean", default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function num(name: string, fallback: number, integer = true): number {
  const raw = values[name as keyof typeof values] as string | undefined;
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    console.error(`gpu: --${name}: got "${raw}"; expected a positive ${integer ? "integer" : "number"}`);
    process.exit(2);
  }
  return v;
}

try {
  const seqLen = num("seq-len", 256), batch = num("batch", 16), steps = num("steps", 20);
  const data = textWindows(seqLen);
  const chain = gpt({
    layers: num("layers", 12),
    dModel: num("d-model", 512),
    heads: num("heads", 8),
    seqLen,
    vocab: data.vocab.size,
  });
  const profile = staticProfile(chain, batch);
  const full = storeAll(profile).summary().predictedPeakBytes;
  const fraction = num("budget", 0.25, false);
  const bytes = Math.round(full * fraction);
  const plan = values.strategy === "optimal" ? optimal(profile, { bytes }) : planFor(chain, batch, {
    name: values.strategy!,
    slots: values.slots === undefined ? undefined : num("slots", 1),
    every: values.every === undefined ? undefined : num("every", 1),
    bytes,
  });
  const summary = plan.summary();
  const backend = await createBackend(values.backend!);
  console.log(`backend ${backend.device}`);
  console.log(`model   ${chain.name}, ${chain.stages.length} stages, batch ${batch} × ${seqLen} tokens`);
  console.log(
    `memory  store-all would peak at ${formatBytes(full)}; budget ${formatBytes(bytes)} (${
      (100 * fraction).toFixed(0)
    }%)`,
  );
  console.log(
    `plan    ${plan.strategy}: predicted peak ${
      formatBytes(summary.predictedPeakBytes)
    }, ${summary.untapedForwards} recomputed forwards per step`,
  );
  const bar = new ProgressBar(steps, "gpu");
  const result = await Effect.runPromise(
    train(chain, data, {
      steps,
      batch,
      optimizer: adamw({ lr: num("lr", 1e-3, false) }),
      plan,
      onStep: (r) =>
        bar.update(
          r.step + 1,
          `loss ${r.loss.toFixed(4)}  ${r.ms.toFixed(0)} ms/step  peak ${formatBytes(r.peakBytes)}`,
        ),
    }).pipe(Effect.provide(withBackend(backend))),
  );
  bar.done();
  const h = result.history;
  const timed = h.length > 2 ? h.slice(2) : h; // the first steps compile pipelines
  const ms = timed.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(timed.length / 2)]!;
  const measured = Math.max(...h.map((r) => r.peakBytes));
  console.log(
    `time    ${ms.toFixed(1)} ms/step (median after warm-up), ${
      (batch * seqLen / (ms / 1000)).toFixed(0)
    } tokens/s`,
  );
  console.log(
    `memory  peak activations measured ${formatBytes(measured)}, predicted ${
      formatBytes(summary.predictedPeakBytes)
    }${measured === summary.predictedPeakBytes ? " (equal)" : " (DIFFERENT)"}`,
  );
  console.log(
    `        parameters ${formatBytes(result.memory.stateBytes)} (optimizer state released)${
      backend.name === "webgpu" ? `, buffer pool ${formatBytes((backend as WebGpuBackend).pooledBytes)}` : ""
    }`,
  );
  console.log(`loss    ${h[0]!.loss.toFixed(4)} → ${h[h.length - 1]!.loss.toFixed(4)}`);
  if (values.json !== undefined) {
    const figures = {
      backend: backend.device,
      model: chain.name,
      stages: chain.stages.length,
      batch,
      seqLen,
      steps,
      strategy: plan.strategy,
      storeAllPeakBytes: full,
      budgetBytes: bytes,
      predictedPeakBytes: summary.predictedPeakBytes,
      measuredPeakBytes: measured,
      recomputedForwards: summary.untapedForwards,
      msPerStep: ms,
      tokensPerSecond: batch * seqLen / (ms / 1000),
      stateBytes: result.memory.stateBytes,
      loss: { first: h[0]!.loss, last: h[h.length - 1]!.loss },
    };
    writeFileSync(values.json, JSON.stringify(figures, null, 2));
  }
  backend.dispose();
} catch (e) {
  if (isRematError(e)) {
    console.error(`gpu: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
