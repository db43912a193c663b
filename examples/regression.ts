/**
 * Your own model with your own loss: a residual MLP regressing the two outputs of a fixed
 * random teacher network (f32 targets) with the mean squared error, trained under sqrt
 * checkpointing, then evaluated on held-out batches. Prints the loss falling, the plan's
 * predicted peak beside the measured one, and exits 0 when the held-out error is clearly
 * below the untrained one.
 *
 *   deno run -A examples/regression.ts                 # CPU, 300 steps
 *   deno run -A examples/regression.ts --backend webgpu --steps 100
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { Effect } from "effect";
import {
  adamw,
  type Chain,
  evaluate,
  initParams,
  mseLoss,
  releaseParams,
  sequential,
  staticProfile,
  train,
  withBackend,
} from "@remat/core";
import { regressionTeacher } from "@remat/datasets";
import { sqrt } from "@remat/strategies";
import { createBackend } from "@remat/webgpu";
import { ProgressBar } from "./progress.ts";

const { values } = parseArgs({
  options: {
    steps: { type: "string", default: "300" },
    backend: { type: "string", default: "cpu" },
  },
});
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  console.error(`regression: --steps: got "${values.steps}"; expected a positive integer`);
  process.exit(2);
}

const inputs = 8, outputs = 2, batch = 64;
const data = regressionTeacher({ inputs, outputs });
// A chain from the builder, then its loss and targets replaced: mean squared error on f32
// targets of shape [outputs] per example.
const base = sequential({
  inputs,
  layers: [
    { kind: "linear", out: 64 },
    ...Array.from({ length: 8 }, () => ({ kind: "residual" as const, hidden: 128 })),
  ],
  classes: outputs,
});
const chain: Chain = {
  ...base,
  name: `${base.name} with mse`,
  loss: mseLoss,
  target: { shape: [outputs], dtype: "f32" },
};

const plan = sqrt(staticProfile(chain, batch));
const backend = await createBackend(values.backend!);
const heldOut = { batch, batches: 8, firstStep: 1_000_000 };
const untrained = initParams(chain, backend, 0);
const before = await evaluate(data, { backend, chain, params: untrained, ...heldOut });
releaseParams(untrained);

console.log(`${chain.name}: ${chain.stages.length} stages on ${backend.device}`);
console.log(`plan ${plan.strategy}: predicted peak ${plan.summary().predictedPeakBytes} B of activations`);
const bar = new ProgressBar(steps, "regression");
const result = await Effect.runPromise(
  train(chain, data, {
    steps,
    batch,
    plan,
    optimizer: adamw({ lr: 2e-3 }),
    onStep: (r) => bar.update(r.step + 1, `mse ${r.loss.toFixed(4)}  peak ${r.peakBytes} B`),
  }).pipe(Effect.provide(withBackend(backend))),
);
bar.done();
const h = result.history;
const measured = Math.max(...h.map((r) => r.peakBytes));
const after = await evaluate(data, { backend, chain, params: result.params, ...heldOut });
releaseParams(result.params);
backend.dispose();

console.log(`training mse ${h[0]!.loss.toFixed(4)} → ${h[h.length - 1]!.loss.toFixed(4)}`);
console.log(
  `held-out mse ${before.loss.toFixed(4)} untrained → ${after.loss.toFixed(4)} (${after.examples} examples)`,
);
console.log(
  `peak activations measured ${measured} B, predicted ${plan.summary().predictedPeakBytes} B${
    measured === plan.summary().predictedPeakBytes ? " (equal)" : " (DIFFERENT)"
  }`,
);
process.exitCode = after.loss < 0.5 * before.loss ? 0 : 1;
