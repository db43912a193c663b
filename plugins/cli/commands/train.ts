/**
 * `remat train` (also the main job, `deno task train`): trains a model under a checkpointing
 * strategy on the CPU or WebGPU backend with a progress bar, then prints the loss, step time
 * and peak activation memory. Exits 1 when the loss did not fall clearly.
 * @module
 */
import { parseArgs } from "node:util";
import { adamw, train, withBackend } from "@remat/core";
import { createBackend } from "@remat/webgpu";
import { Effect } from "effect";
import { attachNegativeValues, intOption, numberOption } from "../args.ts";
import { backendChoice, CPU_HELP, CPU_OPTIONS, cpuChoice } from "../backend_flag.ts";
import type { Command } from "../command.ts";
import { formatBytes } from "../format.ts";
import { buildModel, MODEL_HELP, MODEL_OPTIONS } from "../model_options.ts";
import { startProgress } from "../progress.ts";
import { STRATEGY_HELP, STRATEGY_OPTIONS, strategyChoice } from "../strategy_flags.ts";
import { planFor } from "../strategy_options.ts";

const HELP = `usage: remat train [options]

Trains a residual MLP on interleaved spirals (default), a GPT on the shipped text or a
ResNet on Fashion-MNIST (or generated images), under a checkpointing strategy, and prints
loss, step time and peak activation memory.

  --steps N           optimizer steps (default 300 mlp, 200 gpt, 100 resnet)
  --lr X              AdamW learning rate (default 3e-3)
  --backend NAME      cpu (default), webgpu, or auto (WebGPU when an adapter exists)
${CPU_HELP}
${STRATEGY_HELP}
${MODEL_HELP}`;

/** Optimizer steps per model kind when --steps is not given. */
const DEFAULT_STEPS: Readonly<Record<string, number>> = { mlp: 300, gpt: 200, resnet: 100 };

const OPTIONS = {
  ...MODEL_OPTIONS,
  ...STRATEGY_OPTIONS,
  steps: { type: "string" },
  lr: { type: "string" },
  backend: { type: "string" },
  ...CPU_OPTIONS,
} as const;

/** The `train` command. */
export const trainCommand: Command = {
  name: "train",
  summary: "train a model under a strategy, with loss, step time and peak memory",
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args: attachNegativeValues(args, OPTIONS),
      options: OPTIONS,
      strict: true,
    });
    const choice = strategyChoice(values);
    const backendName = backendChoice(values);
    const backendOptions = cpuChoice(values);
    const steps = intOption(values, "steps", DEFAULT_STEPS[String(values.model ?? "mlp")] ?? 300);
    const lr = numberOption(values, "lr", 3e-3, 0);
    const { chain, data, batch, seed } = buildModel(values);
    const plan = planFor(chain, batch, choice);
    const backend = await createBackend(backendName, backendOptions);
    try {
      const predicted = plan.summary();
      console.log(`model   ${chain.name}, ${chain.stages.length} stages`);
      console.log(`data    ${data.name}, batch ${batch}, ${steps} steps`);
      console.log(`backend ${backend.device}`);
      console.log(
        `plan    ${plan.strategy}: predicted peak ${
          formatBytes(predicted.predictedPeakBytes)
        }, ${predicted.untapedForwards} recomputed forwards per step`,
      );
      const bar = startProgress("train", steps);
      const result = await Effect.runPromise(
        train(chain, data, {
          steps,
          batch,
          seed,
          optimizer: adamw({ lr, weightDecay: 0 }),
          plan,
          onStep: (r) =>
            bar.update(
              r.step + 1,
              `loss ${r.loss.toFixed(4)}  ${r.ms.toFixed(1)} ms/step  peak ${formatBytes(r.peakBytes)}`,
            ),
        }).pipe(Effect.ensuring(Effect.sync(() => bar.stop())), Effect.provide(withBackend(backend))),
      );
      const h = result.history;
      const window = Math.max(1, Math.min(10, Math.floor(h.length / 4)));
      const mean = (xs: readonly { loss: number }[]) => xs.reduce((a, r) => a + r.loss, 0) / xs.length;
      const first = mean(h.slice(0, window)), last = mean(h.slice(-window));
      const ms = h.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(h.length / 2)]!;
      console.log(
        `loss    ${first.toFixed(4)} → ${last.toFixed(4)} (mean of first and last ${window} steps)`,
      );
      console.log(`time    ${ms.toFixed(1)} ms/step (median)`);
      console.log(
        `memory  peak activations ${formatBytes(Math.max(...h.map((r) => r.peakBytes)))}, parameters ${
          formatBytes(result.memory.stateBytes)
        } (optimizer state released)`,
      );
      if (!(last < 0.8 * first)) {
        console.error(
          `train: the loss did not fall clearly (${first.toFixed(4)} → ${
            last.toFixed(4)
          }); try more --steps or another --lr`,
        );
        return 1;
      }
      return 0;
    } finally {
      backend.dispose();
    }
  },
};
