/**
 * The main job: trains a residual MLP on interleaved spirals (or a GPT on the shipped text)
 * under a checkpointing strategy (store-all by default) on the CPU or WebGPU backend, printing
 * loss, step time and peak activation memory, and exits 0 when the final loss is clearly below
 * the initial one.
 *
 *   deno task train                       # residual MLP on spirals, embedded defaults
 *   deno task train --model gpt --steps 150
 *   deno task train --backend webgpu --strategy sqrt
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { Effect } from "effect";
import { adamw, type Chain, type Dataset, gpt, isRematError, mlp, train, withBackend } from "@remat/core";
import { createBackend } from "@remat/webgpu";
import { spirals, textWindows } from "@remat/datasets";
import { formatBytes } from "./format.ts";
import { ProgressBar } from "./progress.ts";
import { planFor } from "./strategy_option.ts";

const HELP = `usage: deno task train [options]
  --model mlp|gpt     model to train (default mlp)
  --depth N           mlp residual blocks (default 8)
  --width N           mlp residual width (default 64)
  --hidden N          mlp hidden width (default 4·width)
  --layers N          gpt transformer blocks (default 2)
  --d-model N         gpt model width (default 64)
  --heads N           gpt attention heads (default 4)
  --seq-len N         gpt context length (default 32)
  --batch N           examples per step (default 128 mlp, 16 gpt)
  --steps N           optimizer steps (default 300 mlp, 200 gpt)
  --lr X              AdamW learning rate (default 3e-3)
  --seed N            initialisation, data and dropout seed (default 0)
  --backend NAME      cpu (default), webgpu, or auto (WebGPU when an adapter exists)
  --strategy NAME     checkpointing: storeAll (default), sqrt, uniform, revolve, budget, optimal
  --every K           uniform: checkpoint every K-th stage input
  --slots S           revolve: checkpoint slots
  --bytes B           budget, optimal: activation budget in bytes
  --fraction F        budget: 0 = least memory … 1 = store-all
  --help              this text`;

const intOpt = { type: "string" } as const;
const { values } = parseArgs({
  options: {
    model: { type: "string", default: "mlp" },
    depth: intOpt, width: intOpt, hidden: intOpt, layers: intOpt, "d-model": intOpt, heads: intOpt,
    "seq-len": intOpt, batch: intOpt, steps: intOpt, lr: intOpt, seed: intOpt,
    backend: { type: "string", default: "cpu" },
    strategy: { type: "string", default: "storeAll" }, every: intOpt, slots: intOpt, bytes: intOpt, fraction: intOpt,
    help: { type: "boolean", default: false },
  },
  strict: true,
});

function num(name: string, fallback: number, integer = true): number {
  const raw = values[name as keyof typeof values];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || (integer && (!Number.isInteger(v) || v < 0))) {
    fail(`--${name}: got "${raw}"; expected ${integer ? "a non-negative integer" : "a number"}`);
  }
  return v;
}

function fail(message: string): never {
  console.error(`train: ${message}`);
  process.exit(2);
}

if (values.help) {
  console.log(HELP);
  process.exit(0);
}

function setup(): { chain: Chain; data: Dataset; batch: number; steps: number } {
  const seed = num("seed", 0);
  if (values.model === "mlp") {
    const width = num("width", 64);
    const chain = mlp({ depth: num("depth", 8), width, hidden: num("hidden", 4 * width), classes: 3, inputs: 2 });
    return { chain, data: spirals({ classes: 3, seed }), batch: num("batch", 128), steps: num("steps", 300) };
  }
  if (values.model === "gpt") {
    const seqLen = num("seq-len", 32);
    const data = textWindows(seqLen, { seed });
    const chain = gpt({
      layers: num("layers", 2),
      dModel: num("d-model", 64),
      heads: num("heads", 4),
      seqLen,
      vocab: data.vocab.size,
    });
    return { chain, data, batch: num("batch", 16), steps: num("steps", 200) };
  }
  return fail(`--model: got "${values.model}"; expected mlp or gpt`);
}

try {
  const { chain, data, batch, steps } = setup();
  const backend = await createBackend(values.backend!);
  const opt = (name: string) => (values[name as keyof typeof values] === undefined ? undefined : num(name, 0, name !== "fraction"));
  const plan = planFor(chain, batch, {
    name: values.strategy!,
    every: opt("every"),
    slots: opt("slots"),
    bytes: opt("bytes"),
    fraction: opt("fraction"),
  });
  const predicted = plan.summary();
  console.log(`model   ${chain.name}, ${chain.stages.length} stages`);
  console.log(`data    ${data.name}, batch ${batch}, ${steps} steps`);
  console.log(`backend ${backend.device}`);
  console.log(`plan    ${plan.strategy}: predicted peak ${formatBytes(predicted.predictedPeakBytes)}, ${predicted.untapedForwards} recomputed forwards per step`);
  const bar = new ProgressBar(steps, "train");
  const result = await Effect.runPromise(
    train(chain, data, {
      steps,
      batch,
      seed: num("seed", 0),
      optimizer: adamw({ lr: num("lr", 3e-3, false), weightDecay: 0 }),
      plan,
      onStep: (r) =>
        bar.update(r.step + 1, `loss ${r.loss.toFixed(4)}  ${r.ms.toFixed(1)} ms/step  peak ${formatBytes(r.peakBytes)}`),
    }).pipe(Effect.provide(withBackend(backend))),
  );
  bar.done();
  backend.dispose();
  const h = result.history;
  const window = Math.max(1, Math.min(10, Math.floor(h.length / 4)));
  const mean = (xs: readonly { loss: number }[]) => xs.reduce((a, r) => a + r.loss, 0) / xs.length;
  const first = mean(h.slice(0, window));
  const last = mean(h.slice(-window));
  const ms = h.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(h.length / 2)]!;
  console.log(`loss    ${first.toFixed(4)} → ${last.toFixed(4)} (mean of first and last ${window} steps)`);
  console.log(`time    ${ms.toFixed(1)} ms/step (median)`);
  console.log(`memory  peak activations ${formatBytes(Math.max(...h.map((r) => r.peakBytes)))}, parameters+optimizer ${formatBytes(result.memory.stateBytes)}`);
  if (!(last < 0.8 * first)) {
    console.error(`train: the loss did not fall clearly (${first.toFixed(4)} → ${last.toFixed(4)}); try more --steps or another --lr`);
    process.exit(1);
  }
} catch (e) {
  if (isRematError(e)) fail(e.message);
  throw e;
}
