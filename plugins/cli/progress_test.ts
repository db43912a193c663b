import assert from "node:assert/strict";
import { test } from "node:test";
import { LOG_LINE_SECONDS, startProgress } from "./progress.ts";

test("off a terminal, progress prints a line from update itself, at most one per interval, and the last on stop", () => {
  const lines: string[] = [];
  let t = 0;
  const bar = startProgress("bench", 10, { isTTY: false, write: (s) => lines.push(s) }, () => t);
  bar.update(1, "storeAll"); // first update: printed
  t += 1000;
  bar.update(2, "sqrt"); // within the interval: held back
  t += LOG_LINE_SECONDS * 1000;
  bar.update(3, "uniform"); // interval passed: printed
  bar.update(4, "budget");
  bar.stop(); // the held-back state is printed once
  bar.stop();
  bar.update(5, "late"); // after stop: nothing
  assert.deepEqual(lines, ["bench 1/10 storeAll\n", "bench 3/10 uniform\n", "bench 4/10 budget\n"]);
});

test("off a terminal, reaching the total prints at once and stop adds nothing", () => {
  const lines: string[] = [];
  const bar = startProgress("train", 2, { isTTY: false, write: (s) => lines.push(s) }, () => 0);
  bar.update(1);
  bar.update(2, "loss 0.5");
  bar.stop();
  assert.deepEqual(lines, ["train 1/2\n", "train 2/2 loss 0.5\n"]);
});
