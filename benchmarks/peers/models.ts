/**
 * The models the peers bench times: the reference presets of `bench:strategies`
 * (`--preset reference-mlp|gpt|resnet`), built with their batch size and data as `remat bench`
 * builds them, and the parameter counts both sides must agree on.
 * @module
 */
import type { Chain, Dataset } from "@remat/core";
import { buildModel } from "@remat/cli";

/** The models `--model` takes (and `all`, every one of them in this order). */
export const PEER_MODELS: ReadonlyArray<string> = ["mlp", "gpt", "resnet"];

/** Trainable parameters and state (a batch norm's running statistics), in scalars. */
export interface ParamCounts {
  /** Trainable scalars. */
  readonly params: number;
  /** Scalars of model state that no gradient reaches. */
  readonly state: number;
}

/** One model of the bench, as `remat bench --preset reference-${key}` builds it. */
export interface PeerModel {
  /** "mlp", "gpt" or "resnet": also the PyTorch script's name, benchmarks/peers/torch_${key}.py. */
  readonly key: string;
  /** "reference MLP", ... */
  readonly title: string;
  /** The chain. */
  readonly chain: Chain;
  /** The preset's data. */
  readonly data: Dataset;
  /** The preset's batch size. */
  readonly batch: number;
  /** Its parameter counts. */
  readonly counts: ParamCounts;
}

const TITLES: Readonly<Record<string, string>> = {
  mlp: "reference MLP",
  gpt: "reference GPT",
  resnet: "reference ResNet",
};

/** The trainable and state scalars of `chain`'s stages. */
export function paramCounts(chain: Chain): ParamCounts {
  let params = 0, state = 0;
  for (const stage of chain.stages) {
    for (const p of stage.params) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (p.state) state += n;
      else params += n;
    }
  }
  return { params, state };
}

/** The model `key` (one of {@link PEER_MODELS}). */
export function peerModel(key: string): PeerModel {
  const { chain, data, batch } = buildModel({ preset: `reference-${key}` });
  return { key, title: TITLES[key] ?? key, chain, data, batch, counts: paramCounts(chain) };
}
