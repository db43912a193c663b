import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./fashion_mnist.ts", import.meta.url));
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** Runs the example with `args`, as Deno or Bun runs this test. */
function example(...args: string[]) {
  const argv = isDeno ? ["run", "-A", script, ...args] : [script, ...args];
  return spawnSync(process.execPath, argv, { encoding: "utf8", timeout: 240_000 });
}

test("examples/fashion_mnist.ts: a short sqrt run beats chance on the test split, peaks equal", {
  timeout: 240_000,
}, () => {
  // 150 steps: batch norm's running statistics (momentum 0.1) need that many to serve evaluation
  const json = path.join(mkdtempSync(path.join(os.tmpdir(), "fashion-")), "run.json");
  const r = example("--steps", "150", "--width", "4", "--test", "500", "--json", json);
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /plan {6}sqrt/);
  const m = r.stdout.match(/test accuracy ([\d.]+)% on 500 test examples \(loss [\d.]+; chance 10%\)/);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) >= 20, `accuracy ${m[1]}%`);
  assert.match(r.stdout, /time {6}[\d.]+ s training \(\d+ ms\/step median\), [\d.]+ s evaluating/);
  assert.match(r.stdout, /peak activations measured (\d+) B, predicted \1 B \(equal\)/);
  const written = JSON.parse(readFileSync(json, "utf8"));
  assert.equal((100 * written.testAccuracy).toFixed(2), m[1]);
  assert.deepEqual([written.steps, written.batch, written.testExamples], [150, 32, 500]);
  assert.match(written.strategy, /^sqrt/);
  assert.equal(written.measuredPeakBytes, written.predictedPeakBytes);
  assert.ok(written.trainSeconds > 0 && written.medianStepMs > 0);
});

test("examples/fashion_mnist.ts refuses --steps with --epochs, and a --data without the files, in one line", {
  timeout: 60_000,
}, () => {
  const both = example("--steps", "2", "--epochs", "1");
  assert.equal(both.status, 2, both.stderr);
  assert.match(both.stderr, /^fashion_mnist: --epochs does not apply with --steps/);
  const missing = example("--data", "/nonexistent/fashion", "--steps", "1");
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(
    missing.stderr,
    /^fashion_mnist: --data: Fashion-MNIST not found \(looked in \/nonexistent\/fashion\)/,
  );
});
