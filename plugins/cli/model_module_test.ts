import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { UsageError } from "./args.ts";
import { inModule, loadChainModule } from "./model_module.ts";
import { CommandFailure } from "./output_file.ts";

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata");

test("loadChainModule calls a default-exported function and takes a `chain` export as is", async () => {
  const a = await loadChainModule(path.join(testdata, "chain_module.ts"));
  assert.match(a.name, /^sequential\(linear,residual/);
  assert.equal(a.stages.length, 8);
  const b = await loadChainModule(path.join(testdata, "named_chain.ts"));
  assert.match(b.name, /^mlp\(depth=5/);
});

test("loadChainModule refuses a missing file, no export and a non-chain, naming the path", async () => {
  const cases: Array<[string, RegExp]> = [
    ["missing.ts", /no such file/],
    ["no_export.ts", /no default or chain export \(it exports model\)/],
    ["not_a_chain.ts", /the default export is not a chain: it has no loss/],
  ];
  for (const [name, why] of cases) {
    const file = path.join(testdata, name);
    await assert.rejects(
      loadChainModule(file),
      (e: unknown) =>
        e instanceof UsageError && e.message.startsWith(`--model ${file}: `) && why.test(e.message),
      name,
    );
  }
});

test("inModule turns a plain error from a user's chain into one CommandFailure line, and passes ours through", async () => {
  assert.equal(inModule("m.ts", () => 3), 3);
  assert.throws(
    () =>
      inModule("m.ts", () => {
        throw new TypeError("x is not a function\n    at somewhere");
      }),
    (e: unknown) =>
      e instanceof CommandFailure && e.message === "--model m.ts: the chain failed: x is not a function",
  );
  assert.throws(() =>
    inModule("m.ts", () => {
      throw new UsageError("mine");
    }), UsageError);
  await assert.rejects(inModule("m.ts", () => Promise.reject(new Error("later"))), /the chain failed: later/);
});
