/**
 * Partial tapes on the CPU backend: every stage recorded under a policy gives the loss,
 * gradients and running statistics of whole tapes, bit for bit, while keeping fewer bytes
 * between its forward and its backward.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type Chain,
  executePlan,
  gpt,
  initParams,
  mlp,
  type Plan,
  predictPlan,
  readParams,
  releaseParams,
  resnet,
  sequential,
  staticProfile,
  Step,
  storeAllPlan,
  uploadBatch,
} from "@remat/core";
import { generatedImages, spirals, textWindows } from "@remat/datasets";
import { bitsOf } from "./_products.ts";
import { CpuBackend } from "./cpu_backend.ts";

const text = textWindows(8, { seed: 1 });
const CASES: Array<{ name: string; chain: Chain; data: Parameters<typeof uploadBatch>[0]; batch: number }> = [
  {
    name: "mlp with dropout",
    chain: mlp({ depth: 3, width: 16, hidden: 32, classes: 3, inputs: 2, dropout: 0.2 }),
    data: spirals({ classes: 3 }),
    batch: 8,
  },
  {
    name: "gpt with dropout",
    chain: gpt({ layers: 2, dModel: 16, heads: 2, seqLen: 8, vocab: text.vocab.size, dropout: 0.1 }),
    data: text,
    batch: 2,
  },
  {
    name: "resnet with batch norm",
    chain: resnet({ inputs: [1, 8, 8], classes: 4, widths: [4, 8], blocks: [1, 1] }),
    data: generatedImages({ classes: 4, size: 8 }),
    batch: 4,
  },
  {
    name: "sequential layernorm, gelu-dropout, tanh, residual",
    chain: sequential({
      inputs: 2,
      classes: 3,
      layers: [
        { kind: "linear", out: 8 },
        { kind: "layernorm" },
        { kind: "gelu-dropout", p: 0.2 },
        { kind: "tanh", out: 8 },
        { kind: "residual", hidden: 16, dropout: 0.1 },
      ],
    }),
    data: spirals({ classes: 3 }),
    batch: 5,
  },
];

/** One step with every stage recorded under `policy` (undefined: whole tapes). */
async function stepWith(c: (typeof CASES)[number], policy: string | undefined) {
  const backend = new CpuBackend({ threads: 1 });
  const params = initParams(c.chain, backend, 7);
  const batch = uploadBatch(c.data, { backend, chain: c.chain, size: c.batch, step: 3 });
  const step = new Step({ backend, chain: c.chain, params, key: { seed: 5, step: 3 } }).input(0, batch.x);
  const n = c.chain.stages.length;
  const tapeBytes: number[] = [];
  for (let i = 0; i < n; i++) {
    step.forward(i, { record: true, ...(policy === undefined ? {} : { policy }) });
    tapeBytes.push(step.tapeOf(i)!.savedBytes([]));
  }
  step.loss(batch.y);
  for (let i = n - 1; i >= 0; i--) step.backward(i);
  const { loss, grads } = step.take();
  step.dispose();
  const out = {
    loss: bitsOf(await backend.read(loss)),
    grads: await Promise.all(grads.flat().map(async (g) => bitsOf(await backend.read(g)))),
    params: (await readParams(backend, params)).flat().map(bitsOf),
    tapeBytes,
  };
  loss.release();
  for (const g of grads.flat()) g.release();
  batch.x.release();
  batch.y.release();
  releaseParams(params);
  assert.equal(backend.memory.report().activationLive, 0, `${policy}: nothing left behind`);
  return out;
}

describe("partial tapes", () => {
  for (const c of CASES) {
    test(`${c.name}: every policy gives whole tapes' bits, running statistics included`, async () => {
      const whole = await stepWith(c, undefined);
      for (const policy of ["saveAll", "saveMatmuls", "saveNothing", "save:layernorm,attention"]) {
        const part = await stepWith(c, policy);
        assert.deepEqual(part.loss, whole.loss, `${policy}: loss`);
        assert.deepEqual(part.grads, whole.grads, `${policy}: gradients`);
        assert.deepEqual(part.params, whole.params, `${policy}: parameters and running statistics`);
        const kept = part.tapeBytes.reduce((a, b) => a + b, 0),
          all = whole.tapeBytes.reduce((a, b) => a + b, 0);
        if (policy === "saveAll") assert.equal(kept, all);
        else assert.ok(kept < all, `${policy}: ${kept} bytes kept, whole tapes ${all}`);
      }
    });
  }

  test("an unknown policy is an InvalidArgument naming it", () => {
    const c = CASES[0]!;
    const backend = new CpuBackend({ threads: 1 });
    const params = initParams(c.chain, backend, 7);
    const batch = uploadBatch(c.data, { backend, chain: c.chain, size: c.batch });
    const step = new Step({ backend, chain: c.chain, params }).input(0, batch.x);
    assert.throws(
      () => step.forward(0, { record: true, policy: "keepSome" }),
      /invalid policy: got "keepSome"/,
    );
    step.dispose();
  });
});

describe("partial tapes in plans", () => {
  for (const c of CASES) {
    test(`${c.name}: a store-all plan with each policy: measured peak = predicted, bits of whole tapes`, async () => {
      const profile = staticProfile(c.chain, c.batch);
      const run = async (policy: string | undefined) => {
        const backend = new CpuBackend({ threads: 1 });
        const params = initParams(c.chain, backend, 7);
        const batch = uploadBatch(c.data, { backend, chain: c.chain, size: c.batch, step: 2 });
        const plan = withPolicy(storeAllPlan(c.chain.stages.length), policy);
        const r = executePlan(plan, { backend, chain: c.chain, params, batch, key: { seed: 1, step: 2 } });
        const grads = await Promise.all(r.grads.flat().map(async (g) => bitsOf(await backend.read(g))));
        r.loss.release();
        for (const g of r.grads.flat()) g.release();
        batch.x.release();
        batch.y.release();
        releaseParams(params);
        return { grads, peak: r.peakBytes, predicted: predictPlan(profile, plan) };
      };
      const whole = await run(undefined);
      assert.equal(whole.peak, whole.predicted.peakBytes);
      for (const policy of ["saveMatmuls", "saveNothing"]) {
        const part = await run(policy);
        assert.equal(part.peak, part.predicted.peakBytes, `${policy}: measured peak = predicted`);
        assert.deepEqual(part.grads, whole.grads, `${policy}: gradients`);
        // a policy need not lower every peak (a kept pre-activation can outweigh a dropped output)
        if (c.name.startsWith("gpt")) {
          assert.ok(part.peak < whole.peak, `${policy}: ${part.peak} < ${whole.peak}`);
        }
        assert.ok(part.predicted.time > whole.predicted.time, `${policy}: re-runs cost time`);
      }
    });
  }
});

/** `plan` with every recorded forward under `policy`. */
function withPolicy(plan: Plan, policy: string | undefined): Plan {
  if (policy === undefined) return plan;
  return {
    ...plan,
    instructions: plan.instructions.map((
      ins,
    ) => (ins.op === "forward" && ins.record ? { ...ins, policy } : ins)),
  };
}
