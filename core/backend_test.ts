import assert from "node:assert/strict";
import { test } from "node:test";
import { view } from "./backend.ts";
import { ShapeMismatch } from "./errors.ts";
import { MetaBackend } from "./meta_backend.ts";

test("view gives another shape over the same storage, retained once and counted once", () => {
  const backend = new MetaBackend();
  const t = backend.alloc([2, 3, 4], "f32", "activation");
  const v = view(t, [6, 4]);
  assert.deepEqual(v.shape, [6, 4]);
  assert.equal(v.dtype, "f32");
  assert.equal(v.storage, t.storage, "the same storage");
  assert.equal(t.storage.refs, 2);
  assert.equal(backend.memory.activationLive, 24 * 4, "the bytes are counted once");
  t.release();
  assert.equal(backend.memory.activationLive, 24 * 4, "the view keeps the storage alive");
  v.release();
  assert.equal(backend.memory.activationLive, 0);
});

test("view refuses a shape of another size with ShapeMismatch, retaining nothing", () => {
  const backend = new MetaBackend();
  const t = backend.alloc([2, 3], "i32", "io");
  assert.throws(
    () => view(t, [4, 2]),
    (e: unknown) => e instanceof ShapeMismatch && /6 elements/.test(e.message),
  );
  assert.equal(t.storage.refs, 1);
  t.release();
  assert.equal(backend.memory.report().live.io, 0);
});
