/**
 * A user-defined op in a checkpointed model: the softsign op of `softsign_op.ts` (its own CPU
 * and WGSL kernels, defined outside every remat package) in a residual MLP, trained on the
 * spirals under `optimal` at half of store-all's activations, on the CPU and, where Deno finds
 * a WebGPU adapter, on WebGPU. For each backend it checks one step's gradients against
 * store-all's bit for bit, then trains and prints the loss falling and the peaks.
 *
 *   deno run -A examples/custom_op.ts [--steps 150]
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { Effect } from "effect";
import {
  adamw,
  type Backend,
  executePlan,
  initParams,
  releaseParams,
  staticProfile,
  storeAllPlan,
  train,
  uploadBatch,
  withBackend,
} from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { spirals } from "@remat/datasets";
import { optimal, storeAll } from "@remat/strategies";
import { hasWebGpu, WebGpuBackend } from "@remat/webgpu";
import { softsignMlp } from "./softsign_op.ts";

const { values } = parseArgs({ options: { steps: { type: "string", default: "150" } } });
const steps = Number(values.steps);
if (!Number.isInteger(steps) || steps < 1) {
  console.error(`custom_op: --steps: got "${values.steps}"; expected a positive integer`);
  process.exit(2);
}

const batch = 64;
const chain = softsignMlp({ depth: 8, width: 32, inputs: 2, classes: 3 });
const data = spirals({ classes: 3 });
const profile = staticProfile(chain, batch);
const full = storeAll(profile).summary().predictedPeakBytes;
const plan = optimal(profile, { bytes: Math.round(full / 2) });
console.log(`${chain.name}: user kernels ${profile.userKernels?.join(", ")}`);
console.log(
  `plan ${plan.strategy}: predicted peak ${plan.summary().predictedPeakBytes} B (store-all ${full} B)`,
);

/** Loss and every gradient of one step, as raw bits. */
async function stepBits(
  backend: Backend,
  p: typeof plan | ReturnType<typeof storeAllPlan>,
): Promise<Uint32Array[]> {
  const params = initParams(chain, backend, 1);
  const b = uploadBatch(data, { backend, chain, size: batch });
  const out = executePlan(p, { backend, chain, params, batch: b, key: { seed: 1, step: 0 } });
  const tensors = [out.loss, ...out.grads.flat()];
  const host = await Promise.all(tensors.map((t) => backend.read(t)));
  for (const t of [...tensors, b.x, b.y]) t.release();
  releaseParams(params);
  return host.map((a) => new Uint32Array(a.buffer, a.byteOffset, a.length));
}

let failed = false;
const backends: Array<() => Promise<Backend>> = [() => Promise.resolve(new CpuBackend())];
if (hasWebGpu()) backends.push(() => WebGpuBackend.create());
for (const make of backends) {
  let backend: Backend;
  try {
    backend = await make();
  } catch (e) {
    console.log(`(skipping WebGPU: ${e instanceof Error ? e.message : e})`);
    continue;
  }
  const [want, got] = [
    await stepBits(backend, storeAllPlan(chain.stages.length)),
    await stepBits(backend, plan),
  ];
  const same = want.length === got.length && want.every((a, i) => a.every((v, j) => v === got[i]![j]));
  const result = await Effect.runPromise(
    train(chain, data, { steps, batch, plan, optimizer: adamw({ lr: 3e-3 }) }).pipe(
      Effect.provide(withBackend(backend)),
    ),
  );
  const h = result.history;
  const measured = Math.max(...h.map((r) => r.peakBytes));
  const mid = (rs: typeof h) => [...rs].map((r) => r.loss).sort((a, b) => a - b)[rs.length >> 1]!;
  const [first, last] = [mid(h.slice(0, 10)), mid(h.slice(-10))];
  console.log(
    `${backend.name.padEnd(6)} gradients ${same ? "bit-identical to store-all" : "DIFFER from store-all"}; ` +
      `loss ${first.toFixed(4)} → ${last.toFixed(4)} over ${steps} steps; ` +
      `peak ${measured} B measured, ${plan.summary().predictedPeakBytes} B predicted`,
  );
  failed ||= !same || !(last < 0.8 * first) || measured !== plan.summary().predictedPeakBytes;
  releaseParams(result.params);
  backend.dispose();
}
process.exitCode = failed ? 1 : 0;
