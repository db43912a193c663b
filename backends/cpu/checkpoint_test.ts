import assert from "node:assert/strict";
import { test } from "node:test";
import { Effect, Exit } from "effect";
import {
  adamw,
  type Chain,
  type Dataset,
  mlp,
  type OptimizerSpec,
  readParams,
  releaseParams,
  resnet,
  sgd,
  train,
  type TrainingCheckpoint,
  withBackend,
} from "@remat/core";
import { generatedImages, spirals } from "@remat/datasets";
import { sqrt } from "@remat/strategies";
import { staticProfile } from "@remat/core";
import { CpuBackend } from "./cpu_backend.ts";

interface Run {
  readonly chain: Chain;
  readonly data: Dataset;
  readonly batch: number;
  readonly steps: number;
  readonly seed: number;
  readonly optimizer: OptimizerSpec;
}

/** Trains `run` (resumed from `resume` when given) and returns its final parameters' bits. */
async function trained(
  run: Run,
  extra: { resume?: TrainingCheckpoint; every?: number; saved?: TrainingCheckpoint[] } = {},
): Promise<{ bits: Uint32Array[]; losses: number[] }> {
  const backend = new CpuBackend();
  const result = await Effect.runPromise(
    train(run.chain, run.data, {
      steps: run.steps,
      batch: run.batch,
      seed: run.seed,
      optimizer: run.optimizer,
      plan: sqrt(staticProfile(run.chain, run.batch)),
      resume: extra.resume,
      checkpoint: extra.every === undefined ? undefined : {
        every: extra.every,
        save: (c) => void extra.saved!.push(c),
      },
    }).pipe(Effect.provide(withBackend(backend))),
  );
  const host = await readParams(backend, result.params);
  releaseParams(result.params);
  return {
    bits: host.flat().map((a) => new Uint32Array(a.slice().buffer)),
    losses: result.history.map((r) => r.loss),
  };
}

const runs: Record<string, Run> = {
  "mlp with dropout, AdamW": {
    chain: mlp({ depth: 4, width: 16, hidden: 32, classes: 3, inputs: 2, dropout: 0.2 }),
    data: spirals({ classes: 3 }),
    batch: 16,
    steps: 10,
    seed: 5,
    optimizer: adamw({ lr: 1e-2 }),
  },
  "resnet with batch norm, SGD momentum": {
    chain: resnet({ inputs: [1, 8, 8], classes: 4, widths: [2, 4], blocks: [1, 1] }),
    data: generatedImages({ classes: 4, size: 8 }),
    batch: 4,
    steps: 7,
    seed: 1,
    optimizer: sgd({ lr: 0.05, momentum: 0.9 }),
  },
};

for (const [name, run] of Object.entries(runs)) {
  test(`a run resumed from any of its checkpoints ends bit-identical to the uninterrupted run: ${name}`, async () => {
    const saved: TrainingCheckpoint[] = [];
    const straight = await trained(run, { every: 3, saved });
    assert.deepEqual(
      saved.map((c) => c.step),
      Array.from({ length: Math.floor((run.steps - 1) / 3) }, (_, k) => 3 * (k + 1)),
      "a checkpoint after every 3 steps, none after the last",
    );
    for (const checkpoint of saved) {
      assert.equal(checkpoint.optimizer.steps, checkpoint.step);
      const resumed = await trained(run, { resume: checkpoint });
      assert.equal(resumed.losses.length, run.steps - checkpoint.step);
      assert.deepEqual(
        resumed.losses,
        straight.losses.slice(checkpoint.step),
        `losses from ${checkpoint.step}`,
      );
      assert.deepEqual(resumed.bits, straight.bits, `final parameters resumed from step ${checkpoint.step}`);
    }
  });
}

test("a checkpoint of another run is refused with CheckpointMismatch, naming what differs", async () => {
  const run = runs["mlp with dropout, AdamW"]!;
  const saved: TrainingCheckpoint[] = [];
  await trained({ ...run, steps: 4 }, { every: 2, saved });
  const checkpoint = saved[0]!;
  const refused = async (r: Run, c: TrainingCheckpoint, pattern: RegExp) => {
    const exit = await Effect.runPromiseExit(
      train(r.chain, r.data, {
        steps: r.steps,
        batch: r.batch,
        seed: r.seed,
        optimizer: r.optimizer,
        resume: c,
      })
        .pipe(Effect.provide(withBackend(new CpuBackend()))),
    );
    assert.ok(Exit.isFailure(exit));
    const text = String(exit.cause);
    assert.match(text, /CheckpointMismatch/);
    assert.match(text, pattern);
  };
  await refused({ ...run, seed: 6 }, checkpoint, /seed is 5 in the checkpoint; the run has 6/);
  await refused(
    { ...run, chain: mlp({ depth: 3, width: 16, hidden: 32, classes: 3, inputs: 2 }) },
    checkpoint,
    /chain is/,
  );
  await refused(
    { ...run, steps: 1 },
    checkpoint,
    /step is 2 in the checkpoint; the run has "an integer in 0..1"/,
  );
  await refused({ ...run, optimizer: sgd({ lr: 0.1 }) }, checkpoint, /optimizer is adamw/);
});
