import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Chain, gpt, initParams, InvalidArgument, mlp, readParams } from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import {
  chainHostParams,
  chainTensors,
  decodeSafetensors,
  encodeSafetensors,
  type NamedTensor,
} from "./safetensors.ts";

/** Asserts `f` throws an InvalidArgument whose message matches `re`. */
function throwsInvalid(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InvalidArgument, `expected InvalidArgument, got ${e}`);
    assert.match(e.message, re);
    return true;
  });
}

/** A file with a hand-written header (object or raw text) and `dataBytes` zero bytes of data. */
function file(header: unknown, dataBytes = 0): Uint8Array {
  const json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

const tensorArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).chain((shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: n, maxLength: n })
    .map((bits) => ({ shape, data: new Float32Array(new Uint32Array(bits).buffer) }));
});

test("encodeSafetensors round-trips random shapes bit-exactly, incl. 0-size and scalar [] tensors", () => {
  fc.assert(fc.property(
    fc.array(tensorArb, { maxLength: 6 }),
    fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 })),
    (raw, metadata) => {
      const tensors: NamedTensor[] = raw.map((t, i) => ({ name: `t${i}`, ...t }));
      const bytes = encodeSafetensors(tensors, metadata);
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      assert.equal((8 + headerLength) % 8, 0);
      const back = decodeSafetensors(bytes);
      assert.deepEqual(back.metadata, { ...metadata });
      assert.deepEqual(
        back.tensors.map((t) => [t.name, t.shape, bitsOf(t.data)]),
        tensors.map((t) => [t.name, t.shape, bitsOf(t.data)]),
      );
      for (const t of back.tensors) assert.equal(t.data.byteOffset, 0);
    },
  ));
});

test("encodeSafetensors keeps NaN payload bits and -0", () => {
  const data = new Float32Array(
    new Uint32Array([0x7fc00001, 0xffbfffff, 0x7f800001, 0x80000000, 0x00000001]).buffer,
  );
  const [back] = decodeSafetensors(encodeSafetensors([{ name: "odd", shape: [5], data }])).tensors;
  assert.deepEqual(bitsOf(back!.data), [0x7fc00001, 0xffbfffff, 0x7f800001, 0x80000000, 0x00000001]);
  assert.ok(Object.is(back!.data[3], -0));
});

test("encodeSafetensors writes a tiny file byte for byte", () => {
  const bytes = encodeSafetensors([{ name: "a", shape: [2], data: new Float32Array([1, -2]) }]);
  // 54 bytes of JSON, padded with 2 spaces so the data begins at 8 + 56 = 64.
  const header = `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  `;
  const expected = [
    56,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    ...Array.from(header, (c) => c.charCodeAt(0)),
    0x00,
    0x00,
    0x80,
    0x3f, // 1.0f, little-endian
    0x00,
    0x00,
    0x00,
    0xc0, // -2.0f
  ];
  assert.deepEqual(Array.from(bytes), expected);
  assert.deepEqual(decodeSafetensors(bytes).tensors, [{
    name: "a",
    shape: [2],
    data: new Float32Array([1, -2]),
  }]);
});

test("encodeSafetensors writes metadata and rejects duplicate names and wrong lengths", () => {
  const bytes = encodeSafetensors([], { format: "pt" });
  assert.deepEqual(decodeSafetensors(bytes), { tensors: [], metadata: { format: "pt" } });
  const t = { name: "x", shape: [1], data: new Float32Array(1) };
  throwsInvalid(
    () => encodeSafetensors([t, t]),
    /invalid tensor name: got "x"; expected unique, not __metadata__/,
  );
  throwsInvalid(
    () => encodeSafetensors([{ ...t, shape: [2] }]),
    /shape of tensor "x": got \[2\]; expected sizes multiplying to 1/,
  );
});

test("decodeSafetensors keeps data order for integer-like names", () => {
  const tensors = ["b", "10", "2"].map((name, i) => ({ name, shape: [1], data: new Float32Array([i]) }));
  assert.deepEqual(decodeSafetensors(encodeSafetensors(tensors)).tensors, tensors);
});

test("decodeSafetensors rejects a file shorter than 8 bytes", () => {
  throwsInvalid(
    () => decodeSafetensors(new Uint8Array(5)),
    /safetensors file length: got 5; expected at least 8 bytes/,
  );
});

test("decodeSafetensors rejects a header length past the end", () => {
  const bytes = file("{}");
  new DataView(bytes.buffer).setBigUint64(0, 1n << 40n, true);
  throwsInvalid(() => decodeSafetensors(bytes), /header length: got "1099511627776"; expected at most 2,/);
});

test("decodeSafetensors rejects a header that is not JSON, not UTF-8 or not an object", () => {
  throwsInvalid(
    () => decodeSafetensors(file(`{"a": `)),
    /safetensors header: got "\{\\"a\\": "; expected UTF-8 JSON/,
  );
  const bad = file("{}");
  bad[8] = 0xff;
  throwsInvalid(() => decodeSafetensors(bad), /safetensors header: .*expected UTF-8 JSON/);
  throwsInvalid(
    () => decodeSafetensors(file("[1]")),
    /safetensors header: got \[1\]; expected a JSON object/,
  );
});

test("decodeSafetensors rejects a dtype other than F32", () => {
  const bytes = file({ w: { dtype: "F16", shape: [2], data_offsets: [0, 4] } }, 4);
  throwsInvalid(() => decodeSafetensors(bytes), /dtype of tensor "w": got "F16"; expected "F32"/);
});

test("decodeSafetensors rejects a malformed shape or metadata", () => {
  const shape = file({ w: { dtype: "F32", shape: [-1], data_offsets: [0, 4] } }, 4);
  throwsInvalid(
    () => decodeSafetensors(shape),
    /shape of tensor "w": got \[-1\]; expected non-negative integers/,
  );
  throwsInvalid(
    () => decodeSafetensors(file({ __metadata__: { n: 1 } })),
    /__metadata__: got \{"n":1\}; expected an object of string values/,
  );
});

test("decodeSafetensors rejects offsets out of range", () => {
  const bytes = file({ w: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, 4);
  throwsInvalid(
    () => decodeSafetensors(bytes),
    /data_offsets of tensor "w": got \[0,8\]; expected .*end <= 4, the data length/,
  );
  const reversed = file({ w: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, 4);
  throwsInvalid(() => decodeSafetensors(reversed), /data_offsets of tensor "w": got \[4,0\]/);
});

test("decodeSafetensors rejects offsets that do not match the shape's size", () => {
  const bytes = file({ w: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, 8);
  throwsInvalid(
    () => decodeSafetensors(bytes),
    /got \[0,8\]; expected a range of 12 bytes, 4 per element of \[3\]/,
  );
});

test("decodeSafetensors rejects overlapping tensors", () => {
  const bytes = file({
    a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
    b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
  }, 12);
  throwsInvalid(
    () => decodeSafetensors(bytes),
    /tensor "b": got \[4,12\]; expected to begin at 8, where tensor "a" ends \(it overlaps/,
  );
});

test("decodeSafetensors rejects data that is not contiguous", () => {
  const gap = file({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8);
  throwsInvalid(
    () => decodeSafetensors(gap),
    /got \[4,8\]; expected to begin at 0, where the start of the data section ends \(it leaves a gap/,
  );
  const trailing = file({ a: { dtype: "F32", shape: [1], data_offsets: [0, 4] } }, 8);
  throwsInvalid(
    () => decodeSafetensors(trailing),
    /data section length: got 8; expected 4, the end of the last tensor/,
  );
});

const chains: ReadonlyArray<Chain> = [
  mlp({ depth: 2, width: 4, hidden: 8, classes: 3, inputs: 2 }),
  gpt({ layers: 1, dModel: 8, heads: 2, seqLen: 4, vocab: 7 }),
];

test("chainTensors and chainHostParams round-trip a chain's parameters through a file", async () => {
  for (const chain of chains) {
    const backend = new CpuBackend();
    const host = await readParams(backend, initParams(chain, backend, 0));
    const tensors = chainTensors(chain, host);
    assert.deepEqual(
      tensors.map((t) => t.name),
      chain.stages.flatMap((s) => s.params.map((p) => `${s.name}.${p.name}`)),
    );
    const back = chainHostParams(chain, decodeSafetensors(encodeSafetensors(tensors)).tensors);
    assert.deepEqual(back, host);
  }
});

test("chainTensors rejects host parameters that do not fit the chain", async () => {
  const chain = chains[0]!;
  const backend = new CpuBackend();
  const host = await readParams(backend, initParams(chain, backend, 0));
  throwsInvalid(
    () => chainTensors(chain, host.slice(1)),
    new RegExp(`rows: got ${host.length - 1}; expected ${host.length}`),
  );
  throwsInvalid(() => chainTensors(chain, [host[0]!.slice(1), ...host.slice(1)]), /parameter count of stage/);
  const short = [[new Float32Array(1), ...host[0]!.slice(1)], ...host.slice(1)];
  throwsInvalid(
    () => chainTensors(chain, short),
    /length of ".+": got 1; expected \d+, the size of \[/,
  );
});

test("chainHostParams names a missing tensor and a wrong shape", async () => {
  const chain = chains[1]!;
  const backend = new CpuBackend();
  const tensors = chainTensors(chain, await readParams(backend, initParams(chain, backend, 0)));
  const [first, ...rest] = tensors;
  throwsInvalid(
    () => chainHostParams(chain, rest),
    new RegExp(`missing tensor: got "${first!.name.replace(".", "\\.")}"`),
  );
  const wrong = [{ ...first!, shape: [first!.data.length] }, ...rest];
  throwsInvalid(
    () => chainHostParams(chain, wrong),
    new RegExp(
      `shape of tensor ".+": got \\[${first!.data.length}\\]; expected \\[${first!.shape.join(", ")}\\]`,
    ),
  );
});
