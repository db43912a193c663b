import assert from "node:assert/strict";
import { test } from "node:test";
import { KERNEL_NAMES } from "./kernels.ts";
import { MetaBackend } from "./meta_backend.ts";

test("MetaBackend counts every buffer under its kind, 4 bytes an element, and back to zero on release", () => {
  const meta = new MetaBackend();
  const a = meta.alloc([3, 5], "f32", "activation");
  const p = meta.upload(new Float32Array(7), [7], "f32", "parameter");
  const ids = meta.upload(new Int32Array(4), [2, 2], "i32", "io");
  const r = meta.memory.report();
  assert.deepEqual([r.live.activation, r.live.parameter, r.live.io], [60, 28, 16]);
  assert.equal(r.activationLive, 60);
  assert.equal(r.stateBytes, 28);
  for (const t of [a, p, ids]) t.release();
  assert.ok(Object.values(meta.memory.report().live).every((b) => b === 0));
  assert.equal(meta.memory.report().activationPeak, 60, "the peak is kept");
});

test("MetaBackend keeps no data: read gives zeros of the tensor's dtype and size", async () => {
  const meta = new MetaBackend();
  const f = meta.upload(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], "f32");
  const i = meta.upload(new Int32Array([7, 8]), [2], "i32");
  const rf = await meta.read(f), ri = await meta.read(i);
  assert.ok(rf instanceof Float32Array && rf.length === 6 && rf.every((v) => v === 0));
  assert.ok(ri instanceof Int32Array && ri.length === 2 && ri.every((v) => v === 0));
  f.release();
  i.release();
});

test("MetaBackend has every kernel of the kernel set, each allocating outputs of the right shapes", () => {
  const meta = new MetaBackend();
  assert.deepEqual(Object.keys(meta.kernels).sort(), [...KERNEL_NAMES].sort());
  const x = meta.alloc([4, 3], "f32"), w = meta.alloc([5, 3], "f32"), b = meta.alloc([5], "f32");
  const mm = meta.kernels.matmul(x, w, { transB: true });
  assert.deepEqual(mm.shape, [4, 5]);
  const lin = meta.kernels.linear(x, meta.alloc([3, 5], "f32"), b, "gelu");
  assert.deepEqual([lin.y.shape, lin.z?.shape], [[4, 5], [4, 5]], "gelu keeps its pre-activation");
  const ln = meta.kernels.layernorm(mm, b, b, 1e-5);
  assert.deepEqual([ln.y.shape, ln.mean.shape, ln.rstd.shape], [[4, 5], [4], [4]]);
  const att = meta.kernels.attention(
    meta.alloc([2, 6, 8], "f32"),
    meta.alloc([2, 6, 8], "f32"),
    meta.alloc([2, 6, 8], "f32"),
    4,
    true,
  );
  assert.deepEqual([att.out.shape, att.probs.shape], [[2, 6, 8], [2, 4, 6, 6]]);
  assert.deepEqual(meta.kernels.sumRows(mm).shape, [5]);
});
