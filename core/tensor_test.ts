import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { view } from "./backend.ts";
import { MemoryAccountant } from "./memory.ts";
import { MetaBackend } from "./meta_backend.ts";
import { bytesOf, formatShape, sameShape, sizeOf, Storage, Tensor } from "./tensor.ts";

function storage(bytes: number, kind: "activation" | "parameter" | "tape" = "activation") {
  const memory = new MemoryAccountant();
  const released: unknown[] = [];
  const handle = { id: "h" };
  const s = new Storage(handle, bytes, kind, memory, (h) => released.push(h));
  return { memory, released, handle, s };
}

describe("Storage", () => {
  test("Storage accounts its bytes under its kind on construction", () => {
    const { memory, s } = storage(64, "tape");
    assert.equal(s.refs, 1);
    assert.equal(s.kind, "tape");
    assert.equal(memory.report().live.tape, 64);
    assert.equal(memory.activationLive, 64);
  });

  test("Storage.release frees the bytes and calls onRelease once, at the last holder", () => {
    const { memory, released, handle, s } = storage(32);
    s.retain();
    assert.equal(s.refs, 2);
    s.release();
    assert.equal(s.refs, 1);
    assert.equal(memory.report().live.activation, 32);
    assert.deepEqual(released, []);
    s.release();
    assert.equal(s.refs, 0);
    assert.equal(memory.report().live.activation, 0);
    assert.deepEqual(released, [handle]);
  });

  test("Storage.release throws on a double release without touching the accountant", () => {
    const { memory, released, s } = storage(16);
    s.release();
    assert.throws(() => s.release(), /double release/);
    assert.equal(memory.report().live.activation, 0);
    assert.equal(released.length, 1);
  });

  test("Storage.retain throws on released storage", () => {
    const { s } = storage(16);
    s.release();
    assert.throws(() => s.retain(), /retain of released storage/);
  });

  test("Storage.setKind moves the bytes between kinds and release frees the new kind", () => {
    const { memory, s } = storage(48, "tape");
    s.setKind("parameter");
    assert.equal(s.kind, "parameter");
    let r = memory.report();
    assert.equal(r.live.tape, 0);
    assert.equal(r.live.parameter, 48);
    assert.equal(r.activationLive, 0);
    assert.equal(r.stateBytes, 48);
    s.release();
    r = memory.report();
    assert.equal(r.live.parameter, 0);
    assert.equal(r.live.tape, 0);
  });

  test("Storage.setKind after release changes nothing", () => {
    const { memory, s } = storage(8, "activation");
    s.release();
    s.setKind("optimizer");
    assert.equal(s.kind, "activation");
    assert.equal(memory.report().live.optimizer, 0);
  });

  test("Storage refcounts balance for any sequence of retains then releases", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 1 << 20 }), (extra, bytes) => {
        const { memory, released, s } = storage(bytes);
        for (let i = 0; i < extra; i++) s.retain();
        for (let i = 0; i < extra; i++) s.release();
        assert.equal(memory.activationLive, bytes);
        assert.equal(released.length, 0);
        s.release();
        assert.equal(memory.activationLive, 0);
        assert.equal(released.length, 1);
      }),
    );
  });
});

describe("Tensor", () => {
  test("Tensor reports size, bytes, alive and a readable toString", () => {
    const b = new MetaBackend();
    const t = b.alloc([2, 3, 4], "i32", "io");
    assert.equal(t.size, 24);
    assert.equal(t.bytes, 96);
    assert.equal(t.storage.bytes, 96);
    assert.equal(String(t), "Tensor<i32>[2, 3, 4]");
    assert.equal(t.alive, true);
    assert.equal(t.retain(), t);
    t.release();
    assert.equal(t.alive, true);
    t.release();
    assert.equal(t.alive, false);
    assert.equal(b.memory.report().live.io, 0);
  });
});

describe("shape helpers", () => {
  test("sizeOf multiplies dimensions and is 1 for a scalar", () => {
    assert.equal(sizeOf([]), 1);
    assert.equal(sizeOf([7]), 7);
    assert.equal(sizeOf([2, 3, 5]), 30);
    assert.equal(sizeOf([4, 0, 3]), 0);
  });

  test("bytesOf is four bytes per element", () => {
    assert.equal(bytesOf([]), 4);
    assert.equal(bytesOf([3, 5]), 60);
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 5 }), (s) => {
      assert.equal(bytesOf(s), 4 * sizeOf(s));
    }));
  });

  test("sameShape compares rank and every dimension", () => {
    assert.equal(sameShape([2, 3], [2, 3]), true);
    assert.equal(sameShape([], []), true);
    assert.equal(sameShape([2, 3], [3, 2]), false);
    assert.equal(sameShape([2, 3], [2, 3, 1]), false);
    assert.equal(sameShape([6], [2, 3]), false);
  });

  test("formatShape writes brackets and commas", () => {
    assert.equal(formatShape([]), "[]");
    assert.equal(formatShape([4]), "[4]");
    assert.equal(formatShape([2, 3, 4]), "[2, 3, 4]");
  });
});

describe("view", () => {
  test("view shares and retains the storage, counting its bytes once", () => {
    const b = new MetaBackend();
    const t = b.alloc([2, 6], "f32", "activation");
    const v = view(t, [3, 4]);
    assert.ok(v instanceof Tensor);
    assert.equal(v.storage, t.storage);
    assert.deepEqual(v.shape, [3, 4]);
    assert.equal(v.dtype, "f32");
    assert.equal(t.storage.refs, 2);
    assert.equal(b.memory.report().live.activation, 48);
    t.release();
    assert.equal(v.alive, true);
    assert.equal(b.memory.report().live.activation, 48);
    v.release();
    assert.equal(v.alive, false);
    assert.equal(b.memory.report().live.activation, 0);
  });

  test("view keeps the dtype of its source", () => {
    const b = new MetaBackend();
    const t = b.alloc([4], "i32");
    const v = view(t, [2, 2]);
    assert.equal(v.dtype, "i32");
    v.release();
    t.release();
    assert.equal(b.memory.activationLive, 0);
  });
});
