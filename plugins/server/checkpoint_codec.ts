/**
 * A training checkpoint as a safetensors file: the parameters under their usual names
 * `<stage>.<param>` (so a checkpoint also loads as weights), the optimizer's slots as
 * `optimizer.<stage>.<param>.<slot>`, and the step counter, seed, chain name and optimizer
 * kind and step count in the header's metadata. Decoding checks the layout against the chain.
 * @module
 */
import { type Chain, InvalidArgument, type OptimizerSnapshot, type TrainingCheckpoint } from "@remat/core";
import {
  chainHostParams,
  chainTensors,
  decodeSafetensors,
  encodeSafetensors,
  type NamedTensor,
} from "./safetensors.ts";

const FORMAT = "remat-checkpoint-1";

/**
 * The checkpoint's bytes.
 * @example
 * ```ts
 * const bytes = encodeCheckpoint(chain, checkpoint);
 * ```
 */
export function encodeCheckpoint(chain: Chain, checkpoint: TrainingCheckpoint): Uint8Array {
  const optimizer: NamedTensor[] = chain.stages.flatMap((stage, i) =>
    stage.params.flatMap((p, j) =>
      (checkpoint.optimizer.slots[i]?.[j] ?? []).map((data, k) => ({
        name: `optimizer.${stage.name}.${p.name}.${k}`,
        shape: p.shape,
        data,
      }))
    )
  );
  return encodeSafetensors([...chainTensors(chain, checkpoint.params), ...optimizer], {
    format: FORMAT,
    chain: checkpoint.chain,
    seed: String(checkpoint.seed),
    step: String(checkpoint.step),
    optimizer: checkpoint.optimizer.kind,
    optimizerSteps: String(checkpoint.optimizer.steps),
  });
}

/**
 * The checkpoint in `bytes`, laid out for `chain`.
 * @throws InvalidArgument when the file is not a remat checkpoint or lacks a tensor of the chain
 * @example
 * ```ts
 * const checkpoint = decodeCheckpoint(chain, bytes);
 * console.log(checkpoint.step);
 * ```
 */
export function decodeCheckpoint(chain: Chain, bytes: Uint8Array): TrainingCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== FORMAT) {
    throw new InvalidArgument({ name: "checkpoint format", value: metadata.format, expected: FORMAT });
  }
  const integer = (key: string) => {
    const v = Number(metadata[key]);
    if (!Number.isSafeInteger(v)) {
      throw new InvalidArgument({ name: `checkpoint ${key}`, value: metadata[key], expected: "an integer" });
    }
    return v;
  };
  const kind = metadata.optimizer;
  if (kind !== "adamw" && kind !== "sgd") {
    throw new InvalidArgument({ name: "checkpoint optimizer", value: kind, expected: "adamw or sgd" });
  }
  const byName = new Map(tensors.map((t) => [t.name, t.data]));
  const slots: OptimizerSnapshot["slots"] = chain.stages.map((stage) =>
    stage.params.map((p) => {
      const found: Float32Array[] = [];
      for (let k = 0; byName.has(`optimizer.${stage.name}.${p.name}.${k}`); k++) {
        found.push(byName.get(`optimizer.${stage.name}.${p.name}.${k}`)!);
      }
      return found;
    })
  );
  return {
    chain: metadata.chain ?? "",
    seed: integer("seed"),
    step: integer("step"),
    params: chainHostParams(chain, tensors),
    optimizer: { kind, steps: integer("optimizerSteps"), slots },
  };
}
