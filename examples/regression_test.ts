import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./regression.ts", import.meta.url));
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

test("examples/regression.ts fits f32 targets with the mean squared error: held-out error falls, peaks equal", () => {
  const args = isDeno ? ["run", "-A", script, "--steps", "120"] : [script, "--steps", "120"];
  const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  const m = r.stdout.match(/held-out mse ([\d.]+) untrained → ([\d.]+)/);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[2]) < 0.5 * Number(m[1]), `held-out mse ${m[1]} → ${m[2]}`);
  assert.match(r.stdout, /peak activations measured (\d+) B, predicted \1 B \(equal\)/);
});
