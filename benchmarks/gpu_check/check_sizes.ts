/**
 * What the GPU host check runs, at two scales: the real GPU (the reference models, matmul up
 * to 8192², the GPU-host example at a size where checkpointing matters) and `--local` (the
 * same phases at sizes a software adapter finishes in a few minutes).
 * @module
 */

/** The sizes of one scale. */
export interface CheckSizes {
  /** Square matmul sizes, in order. */
  readonly matmul: ReadonlyArray<number>;
  /** The models stepped under store-all, sqrt and optimal: `buildModel` options. */
  readonly models: ReadonlyArray<Readonly<Record<string, string>>>;
  /** Timed pairs per plan. */
  readonly pairs: number;
  /** Arguments of the GPU-host example. */
  readonly hostExample: ReadonlyArray<string>;
  /** Seconds the whole check may take; later phases are cut short to stay inside. */
  readonly budgetSeconds: number;
}

/** On the GPU: the reference presets and the example's defaults but fewer steps. */
export const GPU_SIZES: CheckSizes = {
  matmul: [1024, 2048, 4096, 8192],
  models: [{ preset: "reference-mlp" }, { preset: "reference-gpt" }],
  pairs: 9,
  hostExample: ["--steps", "8"],
  budgetSeconds: 450,
};

/** On a software adapter (about 1 GFLOP/s): small enough for CI. */
export const LOCAL_SIZES: CheckSizes = {
  matmul: [64, 128, 256],
  models: [
    { model: "mlp", depth: "4", width: "32", hidden: "64", batch: "16", classes: "3" },
    { model: "gpt", layers: "2", "d-model": "32", heads: "2", "seq-len": "16", batch: "4" },
  ],
  pairs: 3,
  hostExample: [
    "--layers",
    "2",
    "--d-model",
    "32",
    "--heads",
    "2",
    "--seq-len",
    "16",
    "--batch",
    "4",
    "--steps",
    "4",
    "--budget",
    "0.7",
  ],
  budgetSeconds: 420,
};
