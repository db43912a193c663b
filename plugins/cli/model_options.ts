/**
 * The model and data options every command shares (`--model`, `--preset`, sizes, `--batch`,
 * `--seed`) and what they build: a chain, its dataset and the batch size.
 * @module
 */
import { type Chain, type Dataset, gpt, InvalidArgument, mlp } from "@remat/core";
import { spirals, teacher, textWindows } from "@remat/datasets";
import { intOption, rejectFlags, UsageError, type Values } from "./args.ts";
import { checkModelFits, LIMITS_HELP, SIZE_LIMITS } from "./model_limits.ts";

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

/** The options that size or feed an mlp, and do not apply to any other model. */
export const MLP_FLAGS: ReadonlyArray<string> = ["depth", "width", "hidden", "classes", "data"];

/** The options that size a gpt, and do not apply to any other model. */
export const GPT_FLAGS: ReadonlyArray<string> = ["layers", "d-model", "heads", "seq-len"];

/** Help lines of the model options. */
export const MODEL_HELP = `model:
  --preset NAME       reference-mlp (32 blocks, 256/1024, batch 64), reference-gpt (8 layers,
                      d=128, 4 heads, 64 tokens, batch 8), or small (the main job's default)
  --model mlp|gpt     model kind (default mlp)
  --depth N --width N --hidden N             mlp sizes (default 8, 64, 4·width)
  --classes N --data spirals|teacher         mlp classes (default 3) and data (default spirals)
  --layers N --d-model N --heads N --seq-len N  gpt sizes (default 2, 64, 4, 32)
  --batch N           examples per step (default 128 mlp, 16 gpt)
  --seed N            initialisation, data and dropout seed (default 0)
  mlp sizes with --model gpt, gpt sizes with --model mlp, and --model against its --preset
  are usage mistakes
${LIMITS_HELP}`;

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
  const kindGiven = given.model === undefined ? undefined : String(given.model);
  if (kindGiven !== undefined && kindGiven !== "mlp" && kindGiven !== "gpt") {
    throw new UsageError(
      `--model: got "${kindGiven}"; expected mlp or gpt${
        looksLikeModulePath(kindGiven) ? " (a model module is for plan, profile and pareto only)" : ""
      }`,
    );
  }
  if (given.preset !== undefined) {
    const preset = PRESETS[String(given.preset)];
    if (!preset) {
      throw new UsageError(
        `--preset: got "${given.preset}"; expected one of ${Object.keys(PRESETS).join(", ")}`,
      );
    }
    if (kindGiven !== undefined && kindGiven !== preset.model) {
      throw new UsageError(
        `--model ${kindGiven} does not apply with --preset ${given.preset}, which is ${
          article(String(preset.model))
        }; drop one`,
      );
    }
    values = { ...preset, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) };
  }
  const seed = intOption(values, "seed", 0, 0);
  const size = (name: string, fallback: number, min = 1) =>
    intOption(values, name, fallback, { min, max: SIZE_LIMITS[name] });
  const kind = String(values.model ?? "mlp");
  const foreign = kind === "mlp" ? GPT_FLAGS : MLP_FLAGS;
  const preset = given.preset === undefined ? "" : ` (--preset ${given.preset})`;
  rejectFlags(given, foreign, {
    because: `it is ${article(kind === "mlp" ? "gpt" : "mlp")} option and the model is ${
      article(kind)
    }${preset}`,
  });
  if (kind === "mlp") {
    const width = size("width", 64);
    const classes = size("classes", 3, 2);
    const dataName = values.data ?? "spirals";
    if (dataName !== "spirals" && dataName !== "teacher") {
      throw new UsageError(
        `--data: got "${dataName}"; expected spirals or teacher for an mlp (gpt trains on the shipped text)`,
      );
    }
    const onTeacher = dataName === "teacher";
    const depth = size("depth", 8), hidden = size("hidden", 4 * width), batch = size("batch", 128);
    const chain = mlp({ depth, width, hidden, classes, inputs: onTeacher ? width : 2 });
    checkModelFits(chain, batch);
    const data = onTeacher ? teacher({ inputs: width, classes, seed }) : spirals({ classes, seed });
    return { chain, data, batch, seed };
  }
  const seqLen = size("seq-len", 32), dModel = size("d-model", 64), heads = size("heads", 4);
  const layers = size("layers", 2), batch = size("batch", 16);
  if (dModel % heads !== 0) {
    throw new UsageError(`--heads: got "${heads}"; expected a divisor of --d-model ${dModel}`);
  }
  const data = shippedText(seqLen, seed);
  const chain = gpt({ layers, dModel, heads, seqLen, vocab: data.vocab.size });
  checkModelFits(chain, batch);
  return { chain, data, batch, seed };
}

/** The shipped text in windows of `seqLen` tokens; a window longer than the text is a usage mistake. */
function shippedText(seqLen: number, seed: number): ReturnType<typeof textWindows> {
  try {
    return textWindows(seqLen, { seed });
  } catch (e) {
    if (e instanceof InvalidArgument) {
      throw new UsageError(`--seq-len: got "${seqLen}"; expected ${e.expected}`);
    }
    throw e;
  }
}

/** "an mlp", "a gpt". */
function article(kind: string): string {
  return `${kind === "mlp" ? "an" : "a"} ${kind}`;
}

/**
 * Whether a `--model` value names a module file rather than a built-in kind: it contains a `/`
 * or ends in `.ts`, `.js` or `.mjs`.
 * @example
 * ```ts
 * looksLikeModulePath("./my_model.ts"); // true
 * looksLikeModulePath("gpt"); // false
 * ```
 */
export function looksLikeModulePath(value: string): boolean {
  return value.includes("/") || /\.(ts|js|mjs)$/.test(value);
}
