/**
 * A reader for the IDX format of the MNIST family (MNIST, Fashion-MNIST, EMNIST, ...): a
 * 4-byte magic (bytes 0–1 zero, byte 2 the element type, byte 3 the number of dimensions),
 * one big-endian u32 per dimension, then the elements, big-endian, in row-major order.
 * Gzipped files (magic 0x1f 0x8b) are decompressed first. A malformed file is an
 * `InvalidArgument` that names the file, the value seen and what is valid.
 * @module
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { InvalidArgument } from "@remat/core";

/**
 * The typed array each IDX element type decodes to.
 *
 * @example
 * ```ts
 * import type { IdxTypedArrays } from "@remat/datasets";
 * const labels: IdxTypedArrays["u8"] = new Uint8Array([9, 2, 1]);
 * ```
 */
export interface IdxTypedArrays {
  /** Type code 0x08: unsigned bytes. */
  readonly u8: Uint8Array;
  /** Type code 0x09: signed bytes. */
  readonly i8: Int8Array;
  /** Type code 0x0B: big-endian signed 16-bit integers. */
  readonly i16: Int16Array;
  /** Type code 0x0C: big-endian signed 32-bit integers. */
  readonly i32: Int32Array;
  /** Type code 0x0D: big-endian IEEE 754 single precision. */
  readonly f32: Float32Array;
  /** Type code 0x0E: big-endian IEEE 754 double precision. */
  readonly f64: Float64Array;
}

/**
 * An IDX element type.
 *
 * @example
 * ```ts
 * import type { IdxType } from "@remat/datasets";
 * const t: IdxType = "u8";
 * ```
 */
export type IdxType = keyof IdxTypedArrays;

/**
 * A decoded IDX array: its element type, its dimensions and its elements in row-major order,
 * in host byte order. `type` tells which typed array `data` is.
 *
 * @example
 * ```ts
 * import { type IdxArray, readIdx } from "@remat/datasets";
 * const a: IdxArray = readIdx(new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 2, 7, 9]));
 * if (a.type === "u8") console.log(a.shape, a.data); // [2] Uint8Array [7, 9]
 * ```
 */
export type IdxArray = {
  readonly [T in IdxType]: {
    /** The element type. */
    readonly type: T;
    /** The dimensions, outermost first (e.g. [60000, 28, 28] for MNIST images). */
    readonly shape: ReadonlyArray<number>;
    /** The elements, row-major; length is the product of `shape`. */
    readonly data: IdxTypedArrays[T];
  };
}[IdxType];

/**
 * The IDX type codes (byte 2 of the magic) and their element types.
 *
 * @example
 * ```ts
 * import { IDX_TYPE_CODES } from "@remat/datasets";
 * console.log(IDX_TYPE_CODES[0x08]); // "u8"
 * ```
 */
export const IDX_TYPE_CODES: Readonly<Record<number, IdxType>> = {
  0x08: "u8",
  0x09: "i8",
  0x0b: "i16",
  0x0c: "i32",
  0x0d: "f32",
  0x0e: "f64",
};

const BYTES: Readonly<Record<IdxType, number>> = { u8: 1, i8: 1, i16: 2, i32: 4, f32: 4, f64: 8 };

const hex = (v: number, digits: number) => "0x" + v.toString(16).padStart(digits, "0");

const VALID_CODES = Object.entries(IDX_TYPE_CODES)
  .map(([code, type]) => `${hex(Number(code), 2)} (${type})`)
  .join(", ");

/** True when `bytes` starts with the gzip magic 0x1f 0x8b. */
function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes an IDX array from the bytes of an IDX file, raw or gzipped (detected by the gzip
 * magic 0x1f 0x8b). `file` only names the source in error messages.
 *
 * Throws `InvalidArgument` for a wrong magic (bytes 0–1 not zero), an unknown type code, zero
 * dimensions, a header or data shorter than the dimensions need (the file is truncated),
 * bytes after the data, or a corrupt gzip stream; each message names the file, the value seen
 * and what is valid.
 *
 * @example
 * ```ts
 * import { readIdx } from "@remat/datasets";
 * // A u8 array of shape [2, 3]: magic 0x00000802, dimensions 2 and 3, six bytes.
 * const bytes = new Uint8Array([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
 * const { type, shape, data } = readIdx(bytes, "tiny.idx");
 * console.log(type, shape, data); // "u8" [2, 3] Uint8Array [1, 2, 3, 4, 5, 6]
 * ```
 */
export function readIdx(bytes: Uint8Array, file?: string): IdxArray {
  const source = file === undefined ? "IDX data" : `IDX file ${file}`;
  const fail = (what: string, value: unknown, expected: string): never => {
    throw new InvalidArgument({ name: `${what} of ${source}`, value, expected });
  };
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      fail(
        "gzip stream",
        e instanceof Error ? e.message : String(e),
        "a complete gzip stream (the data starts with the gzip magic 0x1f 0x8b)",
      );
    }
  }
  if (bytes.length < 4) {
    fail("size", bytes.length, "at least 4 bytes for the magic (the file is truncated)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(
      "magic",
      hex(magic, 8),
      "bytes 0–1 zero, byte 2 the element type and byte 3 the number of dimensions " +
        "(0x0000TTDD, e.g. 0x00000803 for u8 images, 0x00000801 for u8 labels)",
    );
  }
  const type = IDX_TYPE_CODES[bytes[2]!];
  if (type === undefined) fail("element type code", hex(bytes[2]!, 2), `one of ${VALID_CODES}`);
  const ndims = bytes[3]!;
  if (ndims === 0) fail("number of dimensions", 0, "at least 1 (byte 3 of the magic)");
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    fail(
      "size",
      bytes.length,
      `at least ${headerBytes} bytes: the 4-byte magic and one 4-byte size for each of ${ndims} dimensions (the file is truncated)`,
    );
  }
  const shape: number[] = [];
  for (let d = 0; d < ndims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const t = type!;
  const width = BYTES[t];
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * width;
  const seen = bytes.length - headerBytes;
  if (seen !== need) {
    const what = `${need} data bytes for ${t} [${shape.join(", ")}]`;
    fail(
      "data size",
      seen,
      seen < need
        ? `${what} (the file is truncated: ${need - seen} bytes missing)`
        : `${what} (${seen - need} trailing bytes after the data)`,
    );
  }
  const at = headerBytes;
  switch (t) {
    case "u8": // a copy, never a view of the caller's (or Node's pooled) buffer
      return { type: t, shape, data: new Uint8Array(bytes.subarray(at)) };
    case "i8":
      return { type: t, shape, data: new Int8Array(new Uint8Array(bytes.subarray(at)).buffer) };
    case "i16": {
      const data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(at + 2 * i, false);
      return { type: t, shape, data };
    }
    case "i32": {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(at + 4 * i, false);
      return { type: t, shape, data };
    }
    case "f32": {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(at + 4 * i, false);
      return { type: t, shape, data };
    }
    case "f64": {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(at + 8 * i, false);
      return { type: t, shape, data };
    }
  }
}

/**
 * Reads and decodes an IDX file, raw or gzipped (see `readIdx`). An unreadable file is an
 * `InvalidArgument` naming the path and the system's reason.
 *
 * @example
 * ```ts
 * import { readIdxFile } from "@remat/datasets";
 * const labels = readIdxFile("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
 * console.log(labels.type, labels.shape); // "u8" [10000]
 * ```
 */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InvalidArgument({
      name: "IDX file",
      value: path,
      expected: `a readable file (${e instanceof Error ? e.message : String(e)})`,
    });
  }
  return readIdx(bytes, path);
}
