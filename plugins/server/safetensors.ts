/**
 * The safetensors file format (F32 only): an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, padded with spaces to 8 bytes, then the data.
 * Plus the mapping between a chain's parameters and named tensors `<stage>.<param>`.
 * @module
 */
import { type Chain, InvalidArgument, sizeOf } from "@remat/core";

/** A named f32 tensor as stored in a safetensors file. */
export interface NamedTensor {
  /** The tensor's name in the file. */
  readonly name: string;
  /** Its shape. */
  readonly shape: ReadonlyArray<number>;
  /** Its elements, row-major. */
  readonly data: Float32Array;
}

const METADATA = "__metadata__";
const fmt = (shape: ReadonlyArray<number>) => `[${shape.join(", ")}]`;
const isDim = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;

/** Throws `InvalidArgument({ name, value, expected })` unless `ok`. */
function check(ok: boolean, name: string, value: unknown, expected: string): asserts ok {
  if (!ok) throw new InvalidArgument({ name, value, expected });
}

/**
 * Encodes tensors, laid out in the given order, and optional string metadata as a safetensors file.
 * @param tensors Uniquely named tensors; each `data.length` must equal the product of its `shape`.
 * @param metadata Written as the header's `__metadata__` when it has any key.
 * @example
 * const bytes = encodeSafetensors([{ name: "w", shape: [2], data: new Float32Array([1, 2]) }], { n: "1" });
 */
export function encodeSafetensors(
  tensors: ReadonlyArray<NamedTensor>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const names = new Set<string>();
  let offset = 0;
  const entries = tensors.map((t) => {
    check(!names.has(t.name) && t.name !== METADATA, "tensor name", t.name, "unique, not __metadata__");
    const size = t.shape.every(isDim) ? sizeOf(t.shape) : -1;
    const n = t.data.length;
    check(size === n, `shape of tensor "${t.name}"`, t.shape, `sizes multiplying to ${n}`);
    names.add(t.name);
    const entry = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + size * 4] };
    offset += size * 4;
    return `${JSON.stringify(t.name)}:${JSON.stringify(entry)}`; // keeps integer-like names in order
  });
  if (Object.keys(metadata).length > 0) entries.push(`"${METADATA}":${JSON.stringify(metadata)}`);
  const json = new TextEncoder().encode(`{${entries.join(",")}}`);
  const headerLength = Math.ceil((8 + json.length) / 8) * 8 - 8; // pad so the data starts 8-aligned
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of tensors) {
    // Copy the bit patterns, not the numbers, so NaN payloads and -0 survive.
    const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
    for (let i = 0; i < bits.length; i++, at += 4) view.setUint32(at, bits[i]!, true);
  }
  return out;
}

interface Entry {
  readonly name: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * Decodes a safetensors file of F32 tensors, returned in data order, with its metadata.
 * Throws `InvalidArgument` naming what is malformed and the value seen.
 * @param bytes The whole file.
 * @example
 * const { tensors, metadata } = decodeSafetensors(await Deno.readFile("model.safetensors"));
 */
export function decodeSafetensors(
  bytes: Uint8Array,
): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  check(bytes.length >= 8, "safetensors file length", bytes.length, "at least 8 bytes");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  const room = bytes.length - 8;
  check(n <= BigInt(room), "safetensors header length", `${n}`, `at most ${room}, the bytes after it`);
  const dataStart = 8 + Number(n);
  const dataLength = bytes.length - dataStart;
  const entries: Entry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(parseHeader(bytes.subarray(8, dataStart)))) {
    if (name === METADATA) metadata = checkMetadata(value);
    else entries.push(checkEntry(name, value, dataLength));
  }
  // JSON.parse does not keep integer-like keys in order, so order by position in the data.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous = "the start of the data section";
  for (const e of entries) {
    const why = e.begin < expected ? "overlaps" : "leaves a gap after";
    const contiguous = `to begin at ${expected}, where ${previous} ends (it ${why} it)`;
    check(e.begin === expected, `data_offsets of tensor "${e.name}"`, [e.begin, e.end], contiguous);
    expected = e.end;
    previous = `tensor "${e.name}"`;
  }
  const last = `${expected}, the end of the last tensor`;
  check(dataLength === expected, "data section length", dataLength, last);
  const tensors = entries.map((e): NamedTensor => {
    const data = new Float32Array((e.end - e.begin) / 4);
    const bits = new Uint32Array(data.buffer);
    for (let i = 0, at = dataStart + e.begin; i < bits.length; i++, at += 4) {
      bits[i] = view.getUint32(at, true);
    }
    return { name: e.name, shape: e.shape, data };
  });
  return { tensors, metadata };
}

function parseHeader(raw: Uint8Array): Record<string, unknown> {
  let text = "";
  let parsed: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    parsed = JSON.parse(text);
  } catch (e) {
    const seen = text.length > 80 ? `${text.slice(0, 80)}...` : text;
    check(false, "safetensors header", seen, `UTF-8 JSON (${e instanceof Error ? e.message : e})`);
  }
  const isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  check(isObject, "safetensors header", parsed, "a JSON object of tensors");
  return parsed as Record<string, unknown>;
}

function checkMetadata(value: unknown): Record<string, string> {
  const ok = typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string");
  check(ok, METADATA, value, "an object of string values");
  return { ...(value as Record<string, string>) };
}

function checkEntry(name: string, value: unknown, dataLength: number): Entry {
  const v = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  check(v.dtype === "F32", `dtype of tensor "${name}"`, v.dtype, `"F32"`);
  const shape = v.shape;
  const dims = Array.isArray(shape) && shape.every(isDim);
  check(dims, `shape of tensor "${name}"`, shape, "non-negative integers");
  const offsets = v.data_offsets;
  const [begin, end] = (Array.isArray(offsets) ? offsets : []) as number[];
  const inRange = Array.isArray(offsets) && offsets.length === 2 && offsets.every(isDim) && begin! <= end! &&
    end! <= dataLength;
  const what = `data_offsets of tensor "${name}"`;
  check(inRange, what, offsets, `[begin, end] with 0 <= begin <= end <= ${dataLength}, the data length`);
  const bytes = sizeOf(shape) * 4;
  check(end! - begin! === bytes, what, offsets, `a range of ${bytes} bytes, 4 per element of ${fmt(shape)}`);
  return { name, shape: [...shape], begin: begin!, end: end! };
}

/**
 * Names a chain's host parameters `<stage>.<param>` with the shapes its `ParamSpec`s declare.
 * The tensors share `host`'s arrays.
 * @param chain The model the parameters belong to.
 * @param host One row per stage, one array per parameter, as `readParams` returns.
 * @example
 * const bytes = encodeSafetensors(chainTensors(chain, await readParams(backend, params)));
 */
export function chainTensors(chain: Chain, host: ReadonlyArray<ReadonlyArray<Float32Array>>): NamedTensor[] {
  const stages = chain.stages.length;
  const rows = `${stages}, one per stage of "${chain.name}"`;
  check(host.length === stages, "host parameter rows", host.length, rows);
  return chain.stages.flatMap((stage, si) => {
    const row = host[si]!;
    const names = stage.params.map((p) => p.name);
    const count = `parameter count of stage "${stage.name}"`;
    check(row.length === names.length, count, row.length, `${names.length} (${names.join(", ")})`);
    return stage.params.map((p, pi): NamedTensor => {
      const name = `${stage.name}.${p.name}`;
      const size = sizeOf(p.shape);
      const got = row[pi]!.length;
      check(got === size, `length of "${name}"`, got, `${size}, the size of ${fmt(p.shape)}`);
      return { name, shape: p.shape, data: row[pi]! };
    });
  });
}

/**
 * Finds each of a chain's parameters among named tensors: the inverse of `chainTensors`.
 * Extra tensors are ignored; the arrays are shared, not copied.
 * @param chain The model whose parameters to find.
 * @param tensors Tensors named `<stage>.<param>`, e.g. from `decodeSafetensors`.
 * @example
 * const host = chainHostParams(chain, decodeSafetensors(bytes).tensors);
 */
export function chainHostParams(chain: Chain, tensors: ReadonlyArray<NamedTensor>): Float32Array[][] {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const seen = [...byName.keys()];
  const list = seen.slice(0, 8).join(", ") + (seen.length > 8 ? ", ..." : "");
  const has = `; the file has ${seen.length}${seen.length ? `: ${list}` : ""}`;
  return chain.stages.map((stage) =>
    stage.params.map((p) => {
      const name = `${stage.name}.${p.name}`;
      const t = byName.get(name);
      check(t !== undefined, "missing tensor", name, `each parameter of "${chain.name}"${has}`);
      const same = t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i]);
      check(same, `shape of tensor "${name}"`, t.shape, fmt(p.shape));
      return t.data;
    })
  );
}
