/**
 * The model and data options every command shares (`--model`, `--preset`, sizes, `--batch`,
 * `--seed`) and what they build: a chain, its dataset and the batch size.
 * @module
 */
import { type Chain, type Dataset, gpt, mlp } from "@remat/core";
import { spirals, teacher, textWindows } from "@remat/datasets";
import { intOption, UsageError, type Values } from "./args.ts";

/** parseArgs option specs of the model options. */
export const MODEL_OPTIONS = {
  model: { type: "string" },
  preset: { type: "string" },
  depth: { type: "string" },
  width: { type: "string" },
  hidden: { type: "string" },
  classes: { type: "string" },
  data: { type: "string" },
  layers: { type: "string" },
  "d-model": { type: "string" },
  heads: { type: "string" },
  "seq-len": { type: "string" },
  batch: { type: "string" },
  seed: { type: "string" },
} as const;

/** Help lines of the model options. */
export const MODEL_HELP = `model:
  --preset NAME       reference-mlp (32 blocks, 256/1024, batch 64), reference-gpt (8 layers,
                      d=128, 4 heads, 64 tokens, batch 8), or small (the main job's default)
  --model mlp|gpt     model kind (default mlp)
  --depth N --width N --hidden N             mlp sizes (default 8, 64, 4·width)
  --classes N --data spirals|teacher         mlp classes (default 3) and data (default spirals)
  --layers N --d-model N --heads N --seq-len N  gpt sizes (default 2, 64, 4, 32)
  --batch N           examples per step (default 128 mlp, 16 gpt)
  --seed N            initialisation, data and dropout seed (default 0)`;

/** Presets: named option sets (explicit options override them). */
export const PRESETS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "reference-mlp": {
    model: "mlp",
    depth: "32",
    width: "256",
    hidden: "1024",
    batch: "64",
    classes: "10",
    data: "teacher",
  },
  "reference-gpt": { model: "gpt", layers: "8", "d-model": "128", heads: "4", "seq-len": "64", batch: "8" },
  small: { model: "mlp" },
};

/** A built model: chain, data, batch and seed. */
export interface ModelSetup {
  /** The model. */
  readonly chain: Chain;
  /** Its training data. */
  readonly data: Dataset;
  /** Examples per step. */
  readonly batch: number;
  /** Initialisation, data and dropout seed. */
  readonly seed: number;
}

/**
 * Builds the model the options describe.
 * @throws UsageError naming a bad option or preset
 * @example
 * ```ts
 * const { chain, batch } = buildModel({ preset: "reference-mlp" });
 * ```
 */
export function buildModel(given: Values): ModelSetup {
  let values: Values = given;
  if (given.preset !== undefined) {
    const preset = PRESETS[String(given.preset)];
    if (!preset) {
      throw new UsageError(
        `--preset: got "${given.preset}"; expected one of ${Object.keys(PRESETS).join(", ")}`,
      );
    }
    values = { ...preset, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
  }
  const seed = intOption(values, "seed", 0, 0);
  const kind = values.model ?? "mlp";
  if (kind === "mlp") {
    const width = intOption(values, "width", 64);
    const classes = intOption(values, "classes", 3, 2);
    const dataName = values.data ?? "spirals";
    if (dataName !== "spirals" && dataName !== "teacher") {
      throw new UsageError(
        `--data: got "${dataName}"; expected spirals or teacher for an mlp (gpt trains on the shipped text)`,
      );
    }
    const onTeacher = dataName === "teacher";
    const chain = mlp({
      depth: intOption(values, "depth", 8),
      width,
      hidden: intOption(values, "hidden", 4 * width),
      classes,
      inputs: onTeacher ? width : 2,
    });
    const data = onTeacher ? teacher({ inputs: width, classes, seed }) : spirals({ classes, seed });
    return { chain, data, batch: intOption(values, "batch", 128), seed };
  }
  if (kind === "gpt") {
    const seqLen = intOption(values, "seq-len", 32);
    const data = textWindows(seqLen, { seed });
    const chain = gpt({
      layers: intOption(values, "layers", 2),
      dModel: intOption(values, "d-model", 64),
      heads: intOption(values, "heads", 4),
      seqLen,
      vocab: data.vocab.size,
    });
    return { chain, data, batch: intOption(values, "batch", 16), seed };
  }
  throw new UsageError(`--model: got "${kind}"; expected mlp or gpt`);
}
