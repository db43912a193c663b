import assert from "node:assert/strict";
import { test } from "node:test";
import { defineKernel, InvalidArgument, type UserKernel } from "@remat/core";
import { CpuBackend } from "./cpu_backend.ts";

const AXPY = defineKernel({
  name: "test.axpyGather",
  // out[i] = floats[0]·a[ids[i]] + ints[0]: reads an f32 and an i32 input and both parameter kinds
  cpu: ({ inputs: [a, ids], out, ints, floats }) => {
    for (let i = 0; i < out.length; i++) out[i] = floats[0]! * a![ids![i]!]! + ints[0]!;
  },
});

test("runUserKernel hands the CPU function views of the inputs, the output and the parameters", async () => {
  const b = new CpuBackend();
  const a = b.upload(new Float32Array([1, 2, 3]), [3], "f32");
  const ids = b.upload(new Int32Array([2, 0, 2, 1]), [2, 2], "i32");
  const y = b.runUserKernel(AXPY, [a, ids], { shape: [2, 2], ints: [10], floats: [0.5] });
  assert.deepEqual([...y.shape], [2, 2]);
  assert.deepEqual([...(await b.read(y))], [11.5, 10.5, 11.5, 11]);
  assert.equal(y.storage.kind, "temporary", "counted under the default kind, like every kernel output");
  for (const t of [a, ids, y]) t.release();
  assert.equal(b.memory.report().activationLive, 0);
});

test("a user kernel that throws leaves its output released", () => {
  const b = new CpuBackend();
  const boom = defineKernel({
    name: "test.throws",
    cpu: () => {
      throw new Error("user bug");
    },
  });
  assert.throws(() => b.runUserKernel(boom, [], { shape: [8] }), /user bug/);
  assert.equal(b.memory.report().activationLive, 0);
  assert.throws(() => b.runUserKernel(AXPY, [], { shape: [1], ints: [1, 2, 3, 4, 5] }), InvalidArgument);
});

test("defineKernel rejects a bad or taken name, a missing cpu function and WGSL without element()", () => {
  const cpu = () => {};
  assert.throws(() => defineKernel({ name: "no spaces", cpu }), /invalid kernel name: got "no spaces"/);
  assert.throws(() => defineKernel({ name: "test.axpyGather", cpu }), /a name no other user kernel/);
  assert.throws(
    () => defineKernel({ name: "test.nocpu" } as unknown as UserKernel),
    /kernel test\.nocpu cpu/,
  );
  assert.throws(
    () => defineKernel({ name: "test.badwgsl", cpu, wgsl: "fn main() {}" }),
    /expected WGSL defining fn element/,
  );
});
