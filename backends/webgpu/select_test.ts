import assert from "node:assert/strict";
import { test } from "node:test";
import { Effect, Exit } from "effect";
import { InvalidArgument } from "@remat/core";
import { acquireBackend, createBackend } from "./select.ts";
import { hasWebGpu } from "./device.ts";

test("createBackend('cpu') is the CPU backend", async () => {
  const b = await createBackend("cpu");
  assert.equal(b.name, "cpu");
  b.dispose();
});

test("createBackend rejects an unknown name with InvalidArgument naming the value and the choices", async () => {
  await assert.rejects(() => createBackend("tpu"), (e: unknown) => {
    assert.ok(e instanceof InvalidArgument);
    assert.match(e.message, /"tpu"/);
    assert.match(e.message, /cpu, webgpu, auto/);
    return true;
  });
});

test("createBackend('auto') is WebGPU exactly when this runtime exposes WebGPU with an adapter", async () => {
  const b = await createBackend("auto");
  const adapter = hasWebGpu() ? await navigator.gpu.requestAdapter() : null;
  assert.equal(b.name, adapter ? "webgpu" : "cpu");
  b.dispose();
});

test("acquireBackend disposes the backend when its scope fails", async () => {
  let disposed = 0;
  const exit = await Effect.runPromiseExit(
    Effect.scoped(Effect.flatMap(acquireBackend("cpu"), (b) => {
      const dispose = b.dispose.bind(b);
      b.dispose = () => {
        disposed++;
        dispose();
      };
      return Effect.fail("boom" as const);
    })),
  );
  assert.ok(Exit.isFailure(exit));
  assert.equal(disposed, 1);
});

test("acquireBackend turns an unknown name into a typed failure", async () => {
  const exit = await Effect.runPromiseExit(Effect.scoped(acquireBackend("nope")));
  assert.ok(Exit.isFailure(exit));
  assert.match(String(exit.cause), /InvalidArgument|invalid backend/);
});
