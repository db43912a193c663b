/**
 * Fashion-MNIST from a directory of its four IDX files (raw or gzipped), found where Debian's
 * `dataset-fashion-mnist` installs them.
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InvalidArgument } from "@remat/core";
import { readIdxFile } from "./idx.ts";
import { idxClassification, type IdxDataset } from "./idx_dataset.ts";

/**
 * The Fashion-MNIST class names, by class id.
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_CLASSES } from "@remat/datasets";
 * console.log(FASHION_MNIST_CLASSES[9]); // "Ankle boot"
 * ```
 */
export const FASHION_MNIST_CLASSES: ReadonlyArray<string> = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/**
 * Where Fashion-MNIST's IDX files are looked for by `fashionMnistDirs`: the directory Debian's
 * `dataset-fashion-mnist` package installs them to (gzipped).
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_DIRS } from "@remat/datasets";
 * console.log(FASHION_MNIST_DIRS[0]); // "/usr/share/datasets/fashion-mnist"
 * ```
 */
export const FASHION_MNIST_DIRS: ReadonlyArray<string> = ["/usr/share/datasets/fashion-mnist"];

/**
 * How to get the Fashion-MNIST files when none are found.
 *
 * @example
 * ```ts
 * import { FASHION_MNIST_HINT } from "@remat/datasets";
 * console.log(FASHION_MNIST_HINT);
 * ```
 */
export const FASHION_MNIST_HINT: string =
  "install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist, which puts the files in " +
  "/usr/share/datasets/fashion-mnist), or pass --data DIR with a directory holding " +
  "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte " +
  "(each raw or gzipped, .gz)";

/**
 * A split of Fashion-MNIST: 60000 training or 10000 test examples.
 *
 * @example
 * ```ts
 * import type { FashionMnistSplit } from "@remat/datasets";
 * const split: FashionMnistSplit = "test";
 * ```
 */
export type FashionMnistSplit = "train" | "test";

const SPLIT_PREFIX: Readonly<Record<FashionMnistSplit, string>> = { train: "train", test: "t10k" };

/** The path of `base` in `dir`, raw preferred over gzipped, or null when neither exists. */
function findIdx(dir: string, base: string): string | null {
  for (const name of [base, `${base}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** The file names (without .gz) of a split's images and labels. */
function splitFiles(split: FashionMnistSplit): { images: string; labels: string } {
  const prefix = SPLIT_PREFIX[split];
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

/**
 * Where Fashion-MNIST was looked for, and whether it was found: the result of `fashionMnistDirs`.
 *
 * @example
 * ```ts
 * import { type FashionMnistLocation, fashionMnistDirs } from "@remat/datasets";
 * const where: FashionMnistLocation = fashionMnistDirs(["./data/fashion-mnist"]);
 * console.log(where.dir ?? where.message);
 * ```
 */
export interface FashionMnistLocation {
  /** The first searched directory holding all four IDX files (raw or gzipped), or null. */
  readonly dir: string | null;
  /** The directories searched, in order. */
  readonly searched: ReadonlyArray<string>;
  /** Where the files were found, or (when none were) where they were looked for and how to get them. */
  readonly message: string;
}

/**
 * Looks for the Fashion-MNIST IDX files in `candidates` (by default `FASHION_MNIST_DIRS`,
 * where Debian's `dataset-fashion-mnist` installs them) and returns the first directory
 * holding all four (each raw or gzipped), or `dir: null` with a message saying how to get
 * them.
 *
 * @example
 * ```ts
 * import { fashionMnistDirs, generatedImages, loadFashionMnist } from "@remat/datasets";
 * const found = fashionMnistDirs();
 * if (found.dir === null) console.warn(found.message);
 * const data = found.dir === null ? generatedImages() : loadFashionMnist(found.dir, { split: "train" });
 * ```
 */
export function fashionMnistDirs(
  candidates: ReadonlyArray<string> = FASHION_MNIST_DIRS,
): FashionMnistLocation {
  const names = (["train", "test"] as const).flatMap((s) => Object.values(splitFiles(s)));
  const dir = candidates.find((d) => names.every((n) => findIdx(d, n) !== null)) ?? null;
  const searched = [...candidates];
  const message = dir !== null
    ? `Fashion-MNIST found in ${dir}`
    : `Fashion-MNIST not found (looked in ${searched.join(", ") || "no directory"}): ${FASHION_MNIST_HINT}`;
  return { dir, searched, message };
}

/**
 * Options of `loadFashionMnist`.
 *
 * @example
 * ```ts
 * import { type FashionMnistOptions, loadFashionMnist } from "@remat/datasets";
 * const options: FashionMnistOptions = { split: "test" };
 * const test = loadFashionMnist("/usr/share/datasets/fashion-mnist", options);
 * ```
 */
export interface FashionMnistOptions {
  /** Which split: "train" (train-*, 60000 examples) or "test" (t10k-*, 10000); default "train". */
  readonly split?: FashionMnistSplit;
}

/**
 * Fashion-MNIST (or MNIST: the file names are the same) from `dir`, which holds
 * `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
 * `t10k-labels-idx1-ubyte`, each raw or gzipped (`.gz`; the raw file is preferred when both
 * exist). Only the split's two files are read. See `idxClassification` for the batches.
 *
 * Throws `InvalidArgument` naming the directory and the missing files (with how to get them),
 * or any error of `readIdxFile` and `idxClassification`.
 *
 * @example
 * ```ts
 * import { loadFashionMnist } from "@remat/datasets";
 * const test = loadFashionMnist("/usr/share/datasets/fashion-mnist", { split: "test" });
 * console.log(test.examples, test.inputShape, test.classes); // 10000 [1, 28, 28] 10
 * ```
 */
export function loadFashionMnist(dir: string, options: FashionMnistOptions = {}): IdxDataset {
  const split = options.split ?? "train";
  if (split !== "train" && split !== "test") {
    throw new InvalidArgument({ name: "Fashion-MNIST split", value: split, expected: '"train" or "test"' });
  }
  const files = splitFiles(split);
  const images = findIdx(dir, files.images);
  const labels = findIdx(dir, files.labels);
  if (images === null || labels === null) {
    const missing = [images === null ? files.images : null, labels === null ? files.labels : null]
      .filter((f) => f !== null)
      .map((f) => `${f}[.gz]`);
    throw new InvalidArgument({
      name: `Fashion-MNIST directory (${split} split)`,
      value: dir,
      expected: `a directory holding ${missing.join(" and ")}, which are missing; ${FASHION_MNIST_HINT}`,
    });
  }
  return idxClassification({
    images: readIdxFile(images),
    labels: readIdxFile(labels),
    name: `fashion-mnist(${split})`,
  });
}
