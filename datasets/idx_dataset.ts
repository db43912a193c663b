/**
 * Image classification over a pair of IDX arrays (the MNIST family's files): NCHW examples of
 * one channel, [1, rows, cols], pixels scaled to [0, 1], class ids from the labels.
 * @module
 */
import { type Dataset, InvalidArgument } from "@remat/core";
import type { IdxArray } from "./idx.ts";

/**
 * A classification set of one-channel images: `x` is f32 [size, 1, rows, cols] (NCHW),
 * `y` i32 class ids in [0, classes).
 *
 * @example
 * ```ts
 * import { generatedImages, type ImageDataset } from "@remat/datasets";
 * const data: ImageDataset = generatedImages();
 * console.log(data.inputShape, data.classes); // [1, 28, 28] 10
 * ```
 */
export interface ImageDataset extends Dataset {
  /** The shape of one example, [1, rows, cols]: one channel, NCHW. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes: labels lie in [0, classes). */
  readonly classes: number;
}

/**
 * An `ImageDataset` over a finite set of examples (as read from IDX files).
 *
 * @example
 * ```ts
 * import { idxClassification, type IdxDataset } from "@remat/datasets";
 * const data: IdxDataset = idxClassification({
 *   images: { type: "u8", shape: [2, 1, 1], data: new Uint8Array([0, 255]) },
 *   labels: { type: "u8", shape: [2], data: new Uint8Array([0, 1]) },
 * });
 * console.log(data.examples); // 2
 * ```
 */
export interface IdxDataset extends ImageDataset {
  /** Number of examples; batches wrap around after this many. */
  readonly examples: number;
}

/**
 * Options of `idxClassification`.
 *
 * @example
 * ```ts
 * import { type IdxClassificationOptions, readIdxFile } from "@remat/datasets";
 * const options: IdxClassificationOptions = {
 *   images: readIdxFile("data/t10k-images-idx3-ubyte.gz"),
 *   labels: readIdxFile("data/t10k-labels-idx1-ubyte.gz"),
 *   name: "fashion-mnist(test)",
 * };
 * ```
 */
export interface IdxClassificationOptions {
  /** The images: u8 [n, rows, cols], scaled to [0, 1] in the batches. */
  readonly images: IdxArray;
  /** The labels: integers [n] (u8, i8, i16 or i32), each ≥ 0. */
  readonly labels: IdxArray;
  /** Display name, used in error messages; default "idx(n×rows×cols)". */
  readonly name?: string;
}

/**
 * A dataset over a pair of IDX arrays: images u8 [n, rows, cols] and labels [n]. Batch `step`
 * of `size` holds examples (step·size + r) mod n for r = 0..size−1, in order, so the batches
 * are deterministic and walk through the set, wrapping around. `x` is f32
 * [size, 1, rows, cols] with pixels scaled to [0, 1] (v / 255); `y` is i32 [size].
 *
 * Throws `InvalidArgument` when the images are not u8 [n, rows, cols], the labels are not
 * integers [n], the counts differ (naming both), the set is empty, or a label is negative.
 *
 * @example
 * ```ts
 * import { idxClassification, readIdxFile } from "@remat/datasets";
 * const dir = "/usr/share/datasets/fashion-mnist";
 * const data = idxClassification({
 *   images: readIdxFile(`${dir}/t10k-images-idx3-ubyte.gz`),
 *   labels: readIdxFile(`${dir}/t10k-labels-idx1-ubyte.gz`),
 * });
 * const { x, y } = data.batch(0, 32);
 * console.log(x.length, y.length); // 25088 32
 * ```
 */
export function idxClassification(options: IdxClassificationOptions): IdxDataset {
  const { images, labels } = options;
  const describe = (a: IdxArray) => `${a.type} [${a.shape.join(", ")}]`;
  const label = options.name ?? "idx classification";
  if (images.type !== "u8" || images.shape.length !== 3) {
    throw new InvalidArgument({
      name: `images of ${label}`,
      value: describe(images),
      expected: "u8 [n, rows, cols] (an IDX file with magic 0x00000803)",
    });
  }
  if (labels.type === "f32" || labels.type === "f64" || labels.shape.length !== 1) {
    throw new InvalidArgument({
      name: `labels of ${label}`,
      value: describe(labels),
      expected: "integers [n]: u8, i8, i16 or i32 (an IDX file with magic 0x00000801 for u8)",
    });
  }
  const [n, rows, cols] = images.shape as [number, number, number];
  const nLabels = labels.shape[0]!;
  if (nLabels !== n) {
    throw new InvalidArgument({
      name: `label count of ${label}`,
      value: nLabels,
      expected: `${n}, one label per image (the images hold ${n} examples, the labels ${nLabels})`,
    });
  }
  if (n === 0) {
    throw new InvalidArgument({ name: `example count of ${label}`, value: 0, expected: "at least 1" });
  }
  let classes = 0;
  for (let i = 0; i < n; i++) {
    const c = labels.data[i]!;
    if (c < 0) {
      throw new InvalidArgument({
        name: `label ${i} of ${label}`,
        value: c,
        expected: "a class id ≥ 0",
      });
    }
    if (c + 1 > classes) classes = c + 1;
  }
  const pixels = images.data;
  const ys = Int32Array.from(labels.data);
  const per = rows * cols;
  return {
    name: options.name ?? `idx(${n}×${rows}×${cols})`,
    inputShape: [1, rows, cols],
    classes,
    examples: n,
    batch(step, size) {
      const x = new Float32Array(size * per);
      const y = new Int32Array(size);
      const start = (((step * size) % n) + n) % n;
      for (let r = 0; r < size; r++) {
        const id = (start + r) % n;
        const src = id * per, dst = r * per;
        for (let p = 0; p < per; p++) x[dst + p] = pixels[src + p]! / 255;
        y[r] = ys[id]!;
      }
      return { x, y };
    },
  };
}
