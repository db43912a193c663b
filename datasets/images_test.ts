import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { gzipSync } from "node:zlib";
import { after, describe, test } from "node:test";
import { InvalidArgument } from "@remat/core";
import type { IdxArray } from "./idx.ts";
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DIRS,
  fashionMnistDirs,
  generatedImages,
  idxClassification,
  type ImageDataset,
  loadFashionMnist,
} from "./mod.ts";

/** Asserts `f` throws an InvalidArgument whose message matches `pattern`. */
function throwsInvalid(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InvalidArgument, `not an InvalidArgument: ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

/** n images of rows × cols where every pixel of image i is (i * 50 + pixel) mod 256, labels i mod 3. */
function tinySet(n: number, rows = 2, cols = 3): { images: IdxArray; labels: IdxArray } {
  const data = new Uint8Array(n * rows * cols);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < rows * cols; p++) data[i * rows * cols + p] = (i * 50 + p) % 256;
  }
  return {
    images: { type: "u8", shape: [n, rows, cols], data },
    labels: { type: "u8", shape: [n], data: Uint8Array.from({ length: n }, (_, i) => i % 3) },
  };
}

/** An IDX file's bytes built by hand: u8 elements of `shape`. */
function idxU8(shape: number[], values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * shape.length + values.length);
  const view = new DataView(bytes.buffer);
  bytes.set([0, 0, 0x08, shape.length]);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  bytes.set(Array.from(values), 4 + 4 * shape.length);
  return bytes;
}

/** Accuracy on `test` of a nearest-class-mean classifier fitted on `train`. */
function nearestMeanAccuracy(d: ImageDataset, train: number, test: number): number {
  const per = d.inputShape[1] * d.inputShape[2];
  const tr = d.batch(0, train), te = d.batch(1, test);
  const means = new Float64Array(d.classes * per), counts = new Float64Array(d.classes);
  for (let r = 0; r < train; r++) {
    const c = tr.y[r]!;
    counts[c]!++;
    for (let p = 0; p < per; p++) means[c * per + p]! += tr.x[r * per + p]!;
  }
  for (let c = 0; c < d.classes; c++) {
    for (let p = 0; p < per; p++) means[c * per + p]! /= Math.max(1, counts[c]!);
  }
  let right = 0;
  for (let r = 0; r < test; r++) {
    let best = -1, bestDist = Infinity;
    for (let c = 0; c < d.classes; c++) {
      let s = 0;
      for (let p = 0; p < per; p++) s += (te.x[r * per + p]! - means[c * per + p]!) ** 2;
      if (s < bestDist) (bestDist = s), (best = c);
    }
    if (best === te.y[r]) right++;
  }
  return right / test;
}

describe("idxClassification", () => {
  test("idxClassification batches are f32 [size, 1, rows, cols] and i32 [size]", () => {
    const d = idxClassification(tinySet(5));
    assert.deepEqual(d.inputShape, [1, 2, 3]);
    assert.equal(d.examples, 5);
    assert.equal(d.classes, 3);
    assert.equal(d.name, "idx(5×2×3)");
    const { x, y } = d.batch(0, 4);
    assert.ok(x instanceof Float32Array);
    assert.ok(y instanceof Int32Array);
    assert.equal(x.length, 4 * 6);
    assert.deepEqual(y, new Int32Array([0, 1, 2, 0]));
  });

  test("idxClassification scales u8 pixels to [0, 1] as v / 255", () => {
    const images: IdxArray = { type: "u8", shape: [1, 1, 4], data: new Uint8Array([0, 51, 128, 255]) };
    const labels: IdxArray = { type: "u8", shape: [1], data: new Uint8Array([7]) };
    const d = idxClassification({ images, labels, name: "four pixels" });
    assert.equal(d.name, "four pixels");
    assert.equal(d.classes, 8);
    const { x, y } = d.batch(0, 1);
    assert.deepEqual(x, new Float32Array([0, 0.2, 128 / 255, 1]));
    assert.deepEqual(y, new Int32Array([7]));
  });

  test("idxClassification takes examples (step·size + r) mod n in order, wrapping around", () => {
    const set = tinySet(5);
    const d = idxClassification(set);
    const ids = (step: number, size: number) => {
      const { x, y } = d.batch(step, size);
      return Array.from(y, (c, r) => {
        const id = Math.round(x[r * 6]! * 255) / 50; // the first pixel of image i is i * 50
        assert.equal(c, id % 3);
        for (let p = 0; p < 6; p++) assert.equal(Math.round(x[r * 6 + p]! * 255), id * 50 + p);
        return id;
      });
    };
    assert.deepEqual(ids(0, 3), [0, 1, 2]);
    assert.deepEqual(ids(1, 3), [3, 4, 0]);
    assert.deepEqual(ids(2, 3), [1, 2, 3]);
    assert.deepEqual(ids(0, 12), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1]);
    assert.deepEqual(ids(1_000_001, 2), [2, 3]); // (2_000_002 mod 5) = 2
  });

  test("idxClassification is deterministic in (step, size)", () => {
    const d = idxClassification(tinySet(7));
    assert.deepEqual(d.batch(3, 4), d.batch(3, 4));
    assert.deepEqual(d.batch(3, 4), idxClassification(tinySet(7)).batch(3, 4));
    assert.notDeepEqual(d.batch(3, 4).x, d.batch(4, 4).x);
  });

  test("idxClassification accepts i32 labels", () => {
    const set = tinySet(3);
    const labels: IdxArray = { type: "i32", shape: [3], data: new Int32Array([4, 0, 2]) };
    const d = idxClassification({ images: set.images, labels });
    assert.equal(d.classes, 5);
    assert.deepEqual(d.batch(0, 3).y, new Int32Array([4, 0, 2]));
  });

  test("idxClassification rejects mismatched image and label counts naming both", () => {
    const a = tinySet(10), b = tinySet(9);
    throwsInvalid(
      () => idxClassification({ images: a.images, labels: b.labels, name: "mnist" }),
      /^invalid label count of mnist: got 9; expected 10, one label per image \(the images hold 10 examples, the labels 9\)$/,
    );
    assert.throws(() => idxClassification({ images: a.images, labels: b.labels }), (e: unknown) => {
      assert.ok(e instanceof InvalidArgument);
      assert.equal(e.value, 9);
      return true;
    });
  });

  test("idxClassification rejects images that are not u8 [n, rows, cols] and labels that are not integers [n]", () => {
    const set = tinySet(2);
    throwsInvalid(
      () => idxClassification({ images: set.labels, labels: set.labels }),
      /^invalid images of idx classification: got "u8 \[2\]"; expected u8 \[n, rows, cols\]/,
    );
    throwsInvalid(
      () =>
        idxClassification({
          images: { type: "f32", shape: [2, 2, 3], data: new Float32Array(12) },
          labels: set.labels,
        }),
      /got "f32 \[2, 2, 3\]"; expected u8 \[n, rows, cols\]/,
    );
    throwsInvalid(
      () =>
        idxClassification({
          images: set.images,
          labels: { type: "f32", shape: [2], data: new Float32Array(2) },
        }),
      /^invalid labels of idx classification: got "f32 \[2\]"; expected integers \[n\]/,
    );
    throwsInvalid(
      () => idxClassification({ images: set.images, labels: set.images }),
      /^invalid labels of idx classification: got "u8 \[2, 2, 3\]"/,
    );
  });

  test("idxClassification rejects an empty set and a negative label", () => {
    throwsInvalid(
      () => idxClassification(tinySet(0)),
      /^invalid example count of idx classification: got 0; expected at least 1$/,
    );
    throwsInvalid(
      () =>
        idxClassification({
          images: tinySet(2).images,
          labels: { type: "i8", shape: [2], data: new Int8Array([1, -3]) },
        }),
      /^invalid label 1 of idx classification: got -3; expected a class id ≥ 0$/,
    );
  });
});

describe("loadFashionMnist", () => {
  const root = mkdtempSync(join(tmpdir(), "remat-fmnist-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Writes a four-file set to `dir`: train has 6 examples of 4×4, test 3; gzipped where `gz`. */
  function writeSet(dir: string, gz: { train: boolean; test: boolean }): void {
    mkdirSync(dir, { recursive: true });
    const put = (name: string, bytes: Uint8Array, zip: boolean) =>
      writeFileSync(join(dir, zip ? `${name}.gz` : name), zip ? gzipSync(bytes) : bytes);
    const images = (n: number, base: number) =>
      idxU8([n, 4, 4], Array.from({ length: n * 16 }, (_, i) => (base + Math.floor(i / 16) * 10) % 256));
    put("train-images-idx3-ubyte", images(6, 0), gz.train);
    put("train-labels-idx1-ubyte", idxU8([6], [0, 1, 2, 3, 4, 9]), gz.train);
    put("t10k-images-idx3-ubyte", images(3, 200), gz.test);
    put("t10k-labels-idx1-ubyte", idxU8([3], [5, 6, 7]), gz.test);
  }

  test("loadFashionMnist reads the train split gzipped and the test split raw", () => {
    const dir = join(root, "mixed");
    writeSet(dir, { train: true, test: false });
    const train = loadFashionMnist(dir, { split: "train" });
    assert.equal(train.name, "fashion-mnist(train)");
    assert.equal(train.examples, 6);
    assert.deepEqual(train.inputShape, [1, 4, 4]);
    assert.equal(train.classes, 10);
    const b = train.batch(1, 4); // examples 4, 5, 0, 1
    assert.deepEqual(b.y, new Int32Array([4, 9, 0, 1]));
    assert.deepEqual(Array.from(b.x.subarray(0, 16), (v) => Math.round(v * 255)), new Array(16).fill(40));
    const test = loadFashionMnist(dir, { split: "test" });
    assert.equal(test.name, "fashion-mnist(test)");
    assert.equal(test.examples, 3);
    assert.deepEqual(test.batch(0, 3).y, new Int32Array([5, 6, 7]));
    assert.equal(Math.round(test.batch(0, 1).x[0]! * 255), 200);
    // The default split is train.
    assert.deepEqual(loadFashionMnist(dir).batch(0, 6), train.batch(0, 6));
  });

  test("loadFashionMnist reads all-raw and all-gzipped directories alike", () => {
    writeSet(join(root, "raw"), { train: false, test: false });
    writeSet(join(root, "gz"), { train: true, test: true });
    for (const split of ["train", "test"] as const) {
      const a = loadFashionMnist(join(root, "raw"), { split }),
        b = loadFashionMnist(join(root, "gz"), { split });
      assert.deepEqual(a.batch(0, 5), b.batch(0, 5));
    }
  });

  test("loadFashionMnist prefers the raw file when both raw and gzipped exist", () => {
    const dir = join(root, "both");
    writeSet(dir, { train: true, test: true });
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), idxU8([3], [1, 1, 1]));
    assert.deepEqual(loadFashionMnist(dir, { split: "test" }).batch(0, 3).y, new Int32Array([1, 1, 1]));
  });

  test("loadFashionMnist names the directory, the missing files and how to get them", () => {
    const dir = join(root, "half");
    mkdirSync(dir);
    writeFileSync(join(dir, "t10k-images-idx3-ubyte.gz"), gzipSync(idxU8([1, 1, 1], [0])));
    throwsInvalid(
      () => loadFashionMnist(dir, { split: "test" }),
      new RegExp(
        `^invalid Fashion-MNIST directory \\(test split\\): got "${dir}"; expected a directory holding t10k-labels-idx1-ubyte\\[\\.gz\\], which are missing; install Debian's dataset-fashion-mnist \\(apt-get install dataset-fashion-mnist.*or pass --data DIR`,
      ),
    );
    throwsInvalid(
      () => loadFashionMnist(join(root, "absent")),
      /holding train-images-idx3-ubyte\[\.gz\] and train-labels-idx1-ubyte\[\.gz\], which are missing/,
    );
  });

  test("loadFashionMnist rejects an unknown split", () => {
    throwsInvalid(
      () => loadFashionMnist(root, { split: "validation" as "train" }),
      /^invalid Fashion-MNIST split: got "validation"; expected "train" or "test"$/,
    );
  });

  test("loadFashionMnist passes on IDX format errors naming the file", () => {
    const dir = join(root, "broken");
    writeSet(dir, { train: false, test: false });
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), idxU8([6], [0, 1, 2, 3, 4, 9]).subarray(0, 11));
    throwsInvalid(
      () => loadFashionMnist(dir),
      /^invalid data size of IDX file .*train-labels-idx1-ubyte: got 3; expected 6 data bytes for u8 \[6\] \(the file is truncated: 3 bytes missing\)$/,
    );
    const mismatched = join(root, "mismatched");
    writeSet(mismatched, { train: true, test: true });
    writeFileSync(join(mismatched, "t10k-labels-idx1-ubyte.gz"), gzipSync(idxU8([2], [5, 6])));
    throwsInvalid(
      () => loadFashionMnist(mismatched, { split: "test" }),
      /^invalid label count of fashion-mnist\(test\): got 2; expected 3, one label per image/,
    );
  });

  test("fashionMnistDirs returns the first candidate holding all four files, or null with how to get them", () => {
    writeSet(join(root, "found"), { train: true, test: false });
    writeSet(join(root, "later"), { train: true, test: true });
    const half = join(root, "one-file");
    mkdirSync(half);
    writeFileSync(join(half, "train-images-idx3-ubyte"), idxU8([1, 1, 1], [0]));
    const found = fashionMnistDirs([join(root, "nowhere"), half, join(root, "found"), join(root, "later")]);
    assert.equal(found.dir, join(root, "found"));
    assert.equal(found.message, `Fashion-MNIST found in ${join(root, "found")}`);
    const none = fashionMnistDirs([join(root, "nowhere"), half]);
    assert.equal(none.dir, null);
    assert.deepEqual(none.searched, [join(root, "nowhere"), half]);
    assert.match(none.message, /^Fashion-MNIST not found \(looked in .*nowhere, .*one-file\): /);
    assert.match(none.message, /apt-get install dataset-fashion-mnist/);
    assert.match(none.message, /--data DIR/);
  });

  test("fashionMnistDirs looks where Debian's dataset-fashion-mnist installs the files", () => {
    assert.deepEqual(FASHION_MNIST_DIRS, ["/usr/share/datasets/fashion-mnist"]);
    assert.deepEqual(fashionMnistDirs().searched, FASHION_MNIST_DIRS);
    assert.equal(FASHION_MNIST_CLASSES.length, 10);
  });

  // The real files, when this machine has them (Debian: apt-get install dataset-fashion-mnist;
  // CI installs it, and under CI=true their absence fails instead of skipping).
  // REMAT_FASHION_MNIST_DIR points the test at another copy, e.g. a `dpkg -x` of the package.
  const real = process.env.REMAT_FASHION_MNIST_DIR ?? fashionMnistDirs().dir;
  const required = process.env.CI === "true";
  test("loadFashionMnist loads the real Fashion-MNIST: 60000 train and 10000 test images of 28×28", {
    skip: real === null && !required ? "Fashion-MNIST is not installed here" : false,
  }, () => {
    assert.ok(real !== null, `Fashion-MNIST is required under CI=true: ${fashionMnistDirs().message}`);
    const train = loadFashionMnist(real!, { split: "train" });
    const test = loadFashionMnist(real!, { split: "test" });
    assert.equal(train.examples, 60000);
    assert.equal(test.examples, 10000);
    for (const d of [train, test]) {
      assert.deepEqual(d.inputShape, [1, 28, 28]);
      assert.equal(d.classes, 10);
    }
    // Each class has 6000 training examples.
    const { x, y } = train.batch(0, 60000);
    const counts = new Array(10).fill(0);
    for (const c of y) counts[c]++;
    assert.deepEqual(counts, new Array(10).fill(6000));
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < x.length; i += 97) (lo = Math.min(lo, x[i]!)), (hi = Math.max(hi, x[i]!));
    assert.ok(lo === 0 && hi === 1, `pixels in [${lo}, ${hi}]`);
    // The test split begins with an ankle boot, a pullover and two trousers.
    assert.deepEqual(test.batch(0, 4).y, new Int32Array([9, 2, 1, 1]));
  });
});

describe("generatedImages", () => {
  test("generatedImages batches are f32 [size, 1, 28, 28] in [0, 1] with labels in [0, 10)", () => {
    const d = generatedImages();
    assert.equal(d.name, "generatedImages(classes=10, size=28)");
    assert.deepEqual(d.inputShape, [1, 28, 28]);
    assert.equal(d.classes, 10);
    const { x, y } = d.batch(0, 500);
    assert.ok(x instanceof Float32Array);
    assert.ok(y instanceof Int32Array);
    assert.equal(x.length, 500 * 784);
    assert.equal(y.length, 500);
    for (const v of x) assert.ok(v >= 0 && v <= 1, `pixel ${v}`);
    assert.equal(new Set(y).size, 10);
    for (const c of y) assert.ok(c >= 0 && c < 10);
  });

  test("generatedImages takes the class count and image size", () => {
    const d = generatedImages({ classes: 3, size: 8 });
    assert.deepEqual(d.inputShape, [1, 8, 8]);
    const { x, y } = d.batch(2, 100);
    assert.equal(x.length, 100 * 64);
    assert.deepEqual(new Set(y), new Set([0, 1, 2]));
  });

  test("generatedImages is deterministic in (seed, step, size) and differs across steps and seeds", () => {
    const d = generatedImages({ seed: 3 });
    assert.deepEqual(d.batch(5, 16), generatedImages({ seed: 3 }).batch(5, 16));
    assert.notDeepEqual(d.batch(5, 16).x, d.batch(6, 16).x);
    assert.notDeepEqual(generatedImages({ seed: 4 }).batch(5, 16).x, d.batch(5, 16).x);
  });

  test("generatedImages draws each example independently of the batch it is in", () => {
    const d = generatedImages({ size: 12 });
    const big = d.batch(0, 8);
    const small = d.batch(1, 4); // examples 4..7
    assert.deepEqual(small.x, big.x.subarray(4 * 144));
    assert.deepEqual(small.y, big.y.subarray(4));
  });

  test("generatedImages classes are separable: a nearest-class-mean classifier beats chance clearly", () => {
    // Observed: about 0.73 for 10 classes (chance 0.1); Fashion-MNIST gives about 0.70.
    const acc = nearestMeanAccuracy(generatedImages(), 2000, 1000);
    assert.ok(acc > 0.5, `accuracy ${acc}`);
    const easy = nearestMeanAccuracy(generatedImages({ classes: 3, size: 8, seed: 1 }), 600, 300);
    assert.ok(easy > 0.9, `accuracy ${easy}`);
  });

  test("generatedImages classes are not given away by the mean brightness alone", () => {
    // Mean pixel value per class: close together, so a model has to look at where the pattern is.
    const { x, y } = generatedImages().batch(0, 2000);
    const sums = new Array(10).fill(0), counts = new Array(10).fill(0);
    for (let r = 0; r < 2000; r++) {
      let s = 0;
      for (let p = 0; p < 784; p++) s += x[r * 784 + p]!;
      sums[y[r]!] += s / 784;
      counts[y[r]!]++;
    }
    const means = sums.map((s, c) => s / counts[c]);
    assert.ok(Math.max(...means) - Math.min(...means) < 0.05, `class means ${means}`);
  });

  test("generatedImages rejects a class count or image size out of range", () => {
    throwsInvalid(
      () => generatedImages({ classes: 1 }),
      /^invalid classes: got 1; expected an integer in 2\.\.256$/,
    );
    throwsInvalid(() => generatedImages({ classes: 2.5 }), /^invalid classes: got 2\.5/);
    throwsInvalid(
      () => generatedImages({ size: 3 }),
      /^invalid size: got 3; expected an integer in 4\.\.1024 \(pixels\)$/,
    );
  });
});
