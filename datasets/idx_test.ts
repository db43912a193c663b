import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { InvalidArgument } from "@remat/core";
import { IDX_TYPE_CODES, type IdxType, readIdx, readIdxFile } from "./idx.ts";

/** Type code, element width and big-endian writer of each IDX type, written out by hand. */
const TYPES: Record<
  IdxType,
  { code: number; width: number; put: (v: DataView, at: number, x: number) => void }
> = {
  u8: { code: 0x08, width: 1, put: (v, at, x) => v.setUint8(at, x) },
  i8: { code: 0x09, width: 1, put: (v, at, x) => v.setInt8(at, x) },
  i16: { code: 0x0b, width: 2, put: (v, at, x) => v.setInt16(at, x, false) },
  i32: { code: 0x0c, width: 4, put: (v, at, x) => v.setInt32(at, x, false) },
  f32: { code: 0x0d, width: 4, put: (v, at, x) => v.setFloat32(at, x, false) },
  f64: { code: 0x0e, width: 8, put: (v, at, x) => v.setFloat64(at, x, false) },
};

/** An IDX file's bytes built by hand: magic, big-endian u32 dimensions, big-endian elements. */
function idxBytes(type: IdxType, shape: number[], values: ArrayLike<number>): Uint8Array {
  const { code, width, put } = TYPES[type];
  const bytes = new Uint8Array(4 + 4 * shape.length + width * values.length);
  const view = new DataView(bytes.buffer);
  bytes.set([0, 0, code, shape.length]);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < values.length; i++) put(view, 4 + 4 * shape.length + width * i, values[i]!);
  return bytes;
}

/** Asserts `f` throws an InvalidArgument whose message matches `pattern`. */
function throwsInvalid(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InvalidArgument, `not an InvalidArgument: ${e}`);
    assert.match(e.message, pattern);
    return true;
  });
}

describe("readIdx", () => {
  test("readIdx decodes u8 images [n, rows, cols] (magic 0x00000803)", () => {
    const pixels = Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
    const bytes = idxBytes("u8", [2, 3, 4], pixels);
    assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 0x08, 0x03]);
    const a = readIdx(bytes);
    assert.equal(a.type, "u8");
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.deepEqual(a.data, Uint8Array.from(pixels));
  });

  test("readIdx decodes u8 labels [n] (magic 0x00000801)", () => {
    const a = readIdx(idxBytes("u8", [5], [9, 2, 1, 1, 6]));
    assert.equal(a.type, "u8");
    assert.deepEqual(a.shape, [5]);
    assert.deepEqual(a.data, new Uint8Array([9, 2, 1, 1, 6]));
  });

  test("readIdx decodes every element type big-endian, extremes included", () => {
    const cases: [IdxType, number[], ArrayLike<number>][] = [
      ["u8", [0, 1, 127, 128, 255], Uint8Array],
      ["i8", [-128, -1, 0, 1, 127], Int8Array],
      ["i16", [-32768, -2, 0, 258, 32767], Int16Array],
      ["i32", [-2147483648, -1, 0, 16909060, 2147483647], Int32Array],
      ["f32", [-1.5, 0, 3.25, 1e-30, Infinity], Float32Array],
      ["f64", [-Math.PI, 0, 1 / 3, 1e300, -Infinity], Float64Array],
    ].map(([t, v, C]) => [t as IdxType, v as number[], (C as Float64ArrayConstructor).from(v as number[])]);
    for (const [type, values, expected] of cases) {
      const a = readIdx(idxBytes(type, [values.length], values));
      assert.equal(a.type, type);
      assert.deepEqual(a.shape, [values.length]);
      assert.deepEqual(a.data, expected, type);
    }
  });

  test("readIdx decodes f32 NaN and a multi-dimensional i32 array in row-major order", () => {
    const f = readIdx(idxBytes("f32", [1, 1, 1, 1], [NaN]));
    assert.deepEqual(f.shape, [1, 1, 1, 1]);
    assert.ok(Number.isNaN(f.data[0]));
    const i = readIdx(idxBytes("i32", [2, 3], [1, 2, 3, -4, -5, -6]));
    assert.deepEqual(i.shape, [2, 3]);
    assert.deepEqual(i.data, new Int32Array([1, 2, 3, -4, -5, -6]));
  });

  test("readIdx decodes a gzipped buffer (magic 0x1f 0x8b) like the raw one, for u8, i32 and f32", () => {
    for (
      const [type, values] of [
        ["u8", [0, 17, 255, 3]],
        ["i32", [-7, 0, 123456789, -2147483648]],
        ["f32", [0.5, -2, 1024, 0.125]],
      ] as [IdxType, number[]][]
    ) {
      const raw = idxBytes(type, [2, 2], values);
      const gz = gzipSync(raw);
      assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
      assert.deepEqual(readIdx(gz), readIdx(raw), type);
      assert.deepEqual(Array.from(readIdx(gz).data), values, type);
    }
  });

  test("readIdx round-trips any type, shape and values, raw and gzipped", () => {
    const value: Record<IdxType, fc.Arbitrary<number>> = {
      u8: fc.integer({ min: 0, max: 255 }),
      i8: fc.integer({ min: -128, max: 127 }),
      i16: fc.integer({ min: -32768, max: 32767 }),
      i32: fc.integer({ min: -2147483648, max: 2147483647 }),
      f32: fc.float({ noNaN: true }),
      f64: fc.double({ noNaN: true }),
    };
    const arb = fc.constantFrom(...Object.keys(value) as IdxType[]).chain((type) =>
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
        fc.tuple(
          fc.constant(type),
          fc.constant(shape),
          fc.array(value[type], {
            minLength: shape.reduce((a, b) => a * b, 1),
            maxLength: shape.reduce((a, b) => a * b, 1),
          }),
        )
      )
    );
    fc.assert(fc.property(arb, fc.boolean(), ([type, shape, values], gz) => {
      const raw = idxBytes(type, shape, values);
      const a = readIdx(gz ? gzipSync(raw) : raw);
      assert.equal(a.type, type);
      assert.deepEqual(a.shape, shape);
      assert.equal(a.data.length, values.length);
      for (let i = 0; i < values.length; i++) {
        // Object.is keeps -0 apart from 0, as the format does.
        assert.ok(
          Object.is(a.data[i], values[i]),
          `${type} [${shape}] element ${i}: ${a.data[i]} vs ${values[i]}`,
        );
      }
    }));
  });

  test("readIdx reads a view at a non-zero offset and returns a copy of its elements", () => {
    const inner = idxBytes("u8", [3], [4, 5, 6]);
    const outer = new Uint8Array(inner.length + 7);
    outer.set(inner, 7);
    const view = outer.subarray(7);
    const a = readIdx(view);
    assert.deepEqual(a.data, new Uint8Array([4, 5, 6]));
    view[inner.length - 1] = 99;
    assert.deepEqual(a.data, new Uint8Array([4, 5, 6]));
    assert.ok(a.data instanceof Uint8Array && a.data.constructor === Uint8Array);
  });

  test("readIdx accepts a zero-length dimension with no data", () => {
    const a = readIdx(idxBytes("u8", [0, 28, 28], []));
    assert.deepEqual(a.shape, [0, 28, 28]);
    assert.equal(a.data.length, 0);
  });

  test("IDX_TYPE_CODES maps the six type codes", () => {
    assert.deepEqual(IDX_TYPE_CODES, {
      0x08: "u8",
      0x09: "i8",
      0x0b: "i16",
      0x0c: "i32",
      0x0d: "f32",
      0x0e: "f64",
    });
  });
});

describe("readIdx errors", () => {
  test("readIdx rejects a wrong magic (bytes 0–1 not zero) naming the file and the value seen", () => {
    const bytes = idxBytes("u8", [1], [0]);
    bytes[0] = 0x12;
    bytes[1] = 0x34;
    throwsInvalid(
      () => readIdx(bytes, "images.idx"),
      /^invalid magic of IDX file images\.idx: got "0x12340801"; expected bytes 0–1 zero, byte 2 the element type and byte 3 the number of dimensions \(0x0000TTDD, e\.g\. 0x00000803 for u8 images/,
    );
    // Without a file name the message says where the bytes came from generically.
    throwsInvalid(() => readIdx(bytes), /^invalid magic of IDX data: got "0x12340801"/);
    // A PNG, say: not IDX at all.
    throwsInvalid(() => readIdx(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0])), /got "0x89504e47"/);
  });

  test("readIdx rejects an unknown element type code listing the valid ones", () => {
    const bytes = idxBytes("u8", [2], [0, 0]);
    bytes[2] = 0x0a;
    throwsInvalid(
      () => readIdx(bytes, "x.idx"),
      /^invalid element type code of IDX file x\.idx: got "0x0a"; expected one of 0x08 \(u8\), 0x09 \(i8\), 0x0b \(i16\), 0x0c \(i32\), 0x0d \(f32\), 0x0e \(f64\)$/,
    );
  });

  test("readIdx rejects zero dimensions", () => {
    throwsInvalid(
      () => readIdx(new Uint8Array([0, 0, 0x08, 0, 42]), "scalar.idx"),
      /^invalid number of dimensions of IDX file scalar\.idx: got 0; expected at least 1/,
    );
  });

  test("readIdx rejects truncated data saying how many bytes it expected and saw", () => {
    const bytes = idxBytes("u8", [2, 28, 28], new Uint8Array(2 * 28 * 28));
    throwsInvalid(
      () => readIdx(bytes.subarray(0, bytes.length - 100), "train-images-idx3-ubyte"),
      /^invalid data size of IDX file train-images-idx3-ubyte: got 1468; expected 1568 data bytes for u8 \[2, 28, 28\] \(the file is truncated: 100 bytes missing\)$/,
    );
    const f = idxBytes("f32", [3], [1, 2, 3]);
    throwsInvalid(
      () => readIdx(f.subarray(0, f.length - 1)),
      /got 11; expected 12 data bytes for f32 \[3\] \(the file is truncated: 1 bytes missing\)/,
    );
  });

  test("readIdx rejects a header cut short within the magic or the dimensions", () => {
    throwsInvalid(
      () => readIdx(new Uint8Array([0, 0, 8]), "a"),
      /^invalid size of IDX file a: got 3; expected at least 4 bytes/,
    );
    throwsInvalid(
      () => readIdx(new Uint8Array(0)),
      /^invalid size of IDX data: got 0; expected at least 4 bytes/,
    );
    const bytes = idxBytes("u8", [60000, 28, 28], []);
    throwsInvalid(
      () => readIdx(bytes.subarray(0, 10), "b"),
      /^invalid size of IDX file b: got 10; expected at least 16 bytes: the 4-byte magic and one 4-byte size for each of 3 dimensions \(the file is truncated\)$/,
    );
  });

  test("readIdx rejects trailing bytes after the data", () => {
    const bytes = idxBytes("i32", [2], [1, 2]);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    throwsInvalid(
      () => readIdx(longer, "labels.idx"),
      /^invalid data size of IDX file labels\.idx: got 11; expected 8 data bytes for i32 \[2\] \(3 trailing bytes after the data\)$/,
    );
  });

  test("readIdx rejects a corrupt or truncated gzip stream, and checks the gunzipped bytes", () => {
    const gz = gzipSync(idxBytes("u8", [100], new Uint8Array(100).fill(7)));
    throwsInvalid(
      () => readIdx(gz.subarray(0, gz.length - 12), "t.gz"),
      /^invalid gzip stream of IDX file t\.gz: got ".+"; expected a complete gzip stream/,
    );
    // A valid gzip stream of malformed IDX data is reported as such.
    const bad = idxBytes("u8", [3], [1, 2, 3]);
    throwsInvalid(
      () => readIdx(gzipSync(bad.subarray(0, 6)), "u.gz"),
      /^invalid size of IDX file u\.gz: got 6; expected at least 8 bytes/,
    );
  });
});

describe("readIdxFile", () => {
  const dir = mkdtempSync(join(tmpdir(), "remat-idx-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("readIdxFile reads raw and gzipped files", () => {
    const raw = idxBytes("f32", [2, 2], [1, -1, 0.5, 8]);
    writeFileSync(join(dir, "a.idx"), raw);
    writeFileSync(join(dir, "a.idx.gz"), gzipSync(raw));
    const a = readIdxFile(join(dir, "a.idx"));
    assert.equal(a.type, "f32");
    assert.deepEqual(a.shape, [2, 2]);
    assert.deepEqual(a.data, new Float32Array([1, -1, 0.5, 8]));
    assert.deepEqual(readIdxFile(join(dir, "a.idx.gz")), a);
  });

  test("readIdxFile names the file in format errors and a missing file by its path", () => {
    const path = join(dir, "short.idx");
    writeFileSync(path, idxBytes("u8", [4], [1, 2, 3, 4]).subarray(0, 10));
    throwsInvalid(
      () => readIdxFile(path),
      new RegExp(`^invalid data size of IDX file ${path}: got 2; expected 4`),
    );
    const missing = join(dir, "nope.idx");
    throwsInvalid(
      () => readIdxFile(missing),
      new RegExp(`^invalid IDX file: got "${missing}"; expected a readable file \\(.*ENOENT`),
    );
  });
});
