import assert from "node:assert/strict";
import { test } from "node:test";
import { mlp, type TrainingCheckpoint } from "@remat/core";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint_codec.ts";
import { encodeSafetensors } from "./safetensors.ts";

const chain = mlp({ depth: 1, width: 2, hidden: 3, classes: 2, inputs: 2 });
const filled = (n: number, from: number) => Float32Array.from({ length: n }, (_, i) => from + i / 7);

test("a checkpoint survives encoding bit for bit: parameters, AdamW slots, counters", () => {
  const params = chain.stages.map((s, i) =>
    s.params.map((p, j) => filled(p.shape.reduce((a, b) => a * b, 1), 10 * i + j))
  );
  const checkpoint: TrainingCheckpoint = {
    chain: chain.name,
    seed: 42,
    step: 17,
    params,
    optimizer: {
      kind: "adamw",
      steps: 17,
      slots: params.map((row) => row.map((a) => [a.map((v) => -v), a.map((v) => v * v)])),
    },
  };
  const back = decodeCheckpoint(chain, encodeCheckpoint(chain, checkpoint));
  assert.deepEqual(back, checkpoint);
});

test("decoding refuses a file that is not a checkpoint, or one missing a tensor of the chain", () => {
  const weights = encodeSafetensors([{ name: "w", shape: [1], data: new Float32Array(1) }]);
  assert.throws(
    () => decodeCheckpoint(chain, weights),
    /checkpoint format: got undefined; expected remat-checkpoint-1/,
  );
  const missing = encodeSafetensors([{ name: "w", shape: [1], data: new Float32Array(1) }], {
    format: "remat-checkpoint-1",
    seed: "0",
    step: "1",
    optimizer: "sgd",
    optimizerSteps: "1",
  });
  assert.throws(() => decodeCheckpoint(chain, missing), /missing tensor/);
});
