/**
 * The model and data options every command shares (`--model`, `--preset`, sizes, `--batch`,
 * `--seed`) and what they build: a chain, its dataset and the batch size.
 * @module
 */
import { existsSync } from "node:fs";
import { type Chain, type Dataset, gpt, InvalidArgument, mlp, resnet } from "@remat/core";
import {
  fashionMnistDirs,
  generatedImages,
  type ImageDataset,
  loadFashionMnist,
  spirals,
  teacher,
  textWindows,
} from "@remat/datasets";
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

/**
 * The built-in model kinds `--model` takes.
 * @example
 * ```ts
 * MODEL_KINDS.includes("resnet"); // true
 * ```
 */
export const MODEL_KINDS: ReadonlyArray<string> = ["mlp", "gpt", "resnet"];

/**
 * The options that size or feed an mlp (`depth`, `width` and `data` also apply to a resnet).
 * @example
 * ```ts
 * MLP_FLAGS.includes("hidden"); // true
 * ```
 */
export const MLP_FLAGS: ReadonlyArray<string> = ["depth", "width", "hidden", "classes", "data"];

/**
 * The options that size a gpt, and do not apply to any other model.
 * @example
 * ```ts
 * GPT_FLAGS.includes("heads"); // true
 * ```
 */
export const GPT_FLAGS: ReadonlyArray<string> = ["layers", "d-model", "heads", "seq-len"];

/**
 * The options that size or feed a resnet: blocks per group, the first group's width, the data.
 * @example
 * ```ts
 * RESNET_FLAGS.includes("depth"); // true
 * ```
 */
export const RESNET_FLAGS: ReadonlyArray<string> = ["depth", "width", "data"];

/** The size and data options each model kind takes; any other of them is refused. */
const KIND_FLAGS: Readonly<Record<string, ReadonlyArray<string>>> = {
  mlp: MLP_FLAGS,
  gpt: GPT_FLAGS,
  resnet: RESNET_FLAGS,
};

/**
 * Groups of blocks of the CLI's resnet, each twice as wide as the one before.
 * @example
 * ```ts
 * const widths = Array.from({ length: RESNET_GROUPS }, (_, g) => 8 * 2 ** g); // [8, 16, 32]
 * ```
 */
export const RESNET_GROUPS: number = 3;

/** Help lines of the model options. */
export const MODEL_HELP = `model:
  --preset NAME       reference-mlp (32 blocks, 256/1024, batch 64), reference-gpt (8 layers,
                      d=128, 4 heads, 64 tokens, batch 8), reference-resnet (widths
                      8/16/32, 3 blocks each, batch 16), or small (the main job's default)
  --model mlp|gpt|resnet  model kind (default mlp)
  --depth N --width N --hidden N             mlp sizes (default 8, 64, 4·width)
  --classes N --data spirals|teacher         mlp classes (default 3) and data (default spirals)
  --layers N --d-model N --heads N --seq-len N  gpt sizes (default 2, 64, 4, 32)
  --depth N --width N  resnet blocks per group (default 1) and first width (default 8),
                      doubled in each of ${RESNET_GROUPS} groups; 10 classes of 1×28×28 images
  --data fashion-mnist|generated|DIR         resnet data (default Fashion-MNIST where Debian's
                      dataset-fashion-mnist puts it, else the generated image set)
  --batch N           examples per step (default 128 mlp, 16 gpt, 64 resnet)
  --seed N            initialisation, data and dropout seed (default 0)
  options of another model kind (gpt sizes with --model mlp, --hidden or --classes with
  --model resnet, ...) and --model against its --preset are usage mistakes
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
  "reference-resnet": { model: "resnet", depth: "3", width: "8", batch: "16" },
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
  if (kindGiven !== undefined && !MODEL_KINDS.includes(kindGiven)) {
    throw new UsageError(
      `--model: got "${kindGiven}"; expected mlp, gpt or resnet${
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
  rejectForeignFlags(given, kind, given.preset === undefined ? "" : ` (--preset ${given.preset})`);
  if (kind === "resnet") {
    const depth = size("depth", 1), width = size("width", 8), batch = size("batch", 64);
    const data = imageData(values.data, seed);
    const chain = resnet({
      inputs: data.inputShape,
      classes: data.classes,
      widths: Array.from({ length: RESNET_GROUPS }, (_, g) => width * 2 ** g),
      blocks: Array.from({ length: RESNET_GROUPS }, () => depth),
    });
    checkModelFits(chain, batch);
    return { chain, data, batch, seed };
  }
  if (kind === "mlp") {
    const width = size("width", 64);
    const classes = size("classes", 3, 2);
    const dataName = values.data ?? "spirals";
    if (dataName !== "spirals" && dataName !== "teacher") {
      throw new UsageError(
        `--data: got "${dataName}"; expected spirals or teacher for an mlp (gpt trains on the shipped text; fashion-mnist and generated are for --model resnet)`,
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

/**
 * Refuses the first size or data option given that `kind` does not take, naming the kinds
 * it is for ("it is an mlp or resnet option and the model is a gpt").
 */
function rejectForeignFlags(given: Values, kind: string, preset: string): void {
  const own = KIND_FLAGS[kind] ?? [];
  const foreign = [...new Set(Object.values(KIND_FLAGS).flat())].filter((f) => !own.includes(f));
  const flag = foreign.find((f) => given[f] !== undefined);
  if (flag === undefined) return;
  const owners = MODEL_KINDS.filter((k) => KIND_FLAGS[k]!.includes(flag));
  rejectFlags(given, [flag], {
    because: `it is ${article(owners.join(" or "))} option and the model is ${article(kind)}${preset}`,
  });
}

/** The image set of a resnet: 1×28×28 images of 10 classes (see {@link resnetData}). */
function imageData(choice: string | boolean | undefined, seed: number): ImageDataset {
  try {
    return resnetData(choice === undefined ? undefined : String(choice), seed);
  } catch (e) {
    if (e instanceof InvalidArgument) throw new UsageError(`--data: ${e.message}`);
    throw e;
  }
}

/**
 * The data of `--model resnet`: with `choice` undefined, Fashion-MNIST's training split where
 * `fashionMnistDirs` finds it (Debian's `dataset-fashion-mnist`), else the generated image set
 * (`generatedImages`, seeded with `seed`); "fashion-mnist" insists on the files, "generated"
 * takes the generated set, and any other value is a directory holding the IDX files. Where all
 * four files are found they are read on the first batch, so planning a resnet reads nothing.
 */
function resnetData(choice: string | undefined, seed: number): ImageDataset {
  if (choice === "generated") return generatedImages({ seed });
  if (choice === undefined || choice === "fashion-mnist") {
    const found = fashionMnistDirs();
    if (found.dir !== null) return lazyFashionMnist(found.dir);
    if (choice === undefined) return generatedImages({ seed });
    throw new UsageError(`--data: ${found.message}`);
  }
  if (!existsSync(choice)) {
    throw new UsageError(
      `--data: got "${choice}"; expected fashion-mnist, generated or a directory holding the Fashion-MNIST files for a resnet (no such directory)`,
    );
  }
  // Without all four files, the training split is read now: its two files, or an error naming them.
  return fashionMnistDirs([choice]).dir !== null
    ? lazyFashionMnist(choice)
    : checkedImages(loadFashionMnist(choice));
}

/** `data` when its images are 1×28×28 in 10 classes, as the resnet built for it expects. */
function checkedImages(data: ImageDataset): ImageDataset {
  const [c, h, w] = data.inputShape;
  if (c !== 1 || h !== 28 || w !== 28 || data.classes !== 10) {
    throw new InvalidArgument({
      name: `images of ${data.name}`,
      value: `${c}×${h}×${w} in ${data.classes} classes`,
      expected: "1×28×28 in 10 classes, as Fashion-MNIST's",
    });
  }
  return data;
}

/** Fashion-MNIST's training split in `dir`, read on the first batch. */
function lazyFashionMnist(dir: string): ImageDataset {
  let loaded: ImageDataset | null = null;
  return {
    name: "fashion-mnist(train)",
    inputShape: [1, 28, 28],
    classes: 10,
    batch(step, size) {
      loaded ??= checkedImages(loadFashionMnist(dir, { split: "train" }));
      return loaded.batch(step, size);
    },
  };
}

/** "an mlp", "a gpt", "a resnet", "an mlp or resnet". */
function article(kind: string): string {
  return `${kind.startsWith("mlp") ? "an" : "a"} ${kind}`;
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
