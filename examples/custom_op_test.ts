import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./custom_op.ts", import.meta.url));
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

test("examples/custom_op.ts trains a user-defined op: bit-identical gradients, falling loss, equal peaks", () => {
  const args = isDeno ? ["run", "-A", script, "--steps", "80"] : [script, "--steps", "80"];
  const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp" };
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 240_000, env });
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /user kernels softsign, softsignBackward/);
  const lines = r.stdout.split("\n").filter((l) => /gradients/.test(l));
  // the CPU always; under Deno with an adapter (CI installs one), WebGPU too
  assert.ok(lines.length >= (isDeno && process.env.CI === "true" ? 2 : 1), r.stdout);
  for (const line of lines) {
    assert.match(line, /bit-identical to store-all/);
    assert.match(line, /peak (\d+) B measured, \1 B predicted/);
  }
});
