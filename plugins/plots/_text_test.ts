import assert from "node:assert/strict";
import { test } from "node:test";
import { fitTitle, textWidth, truncateText, wrapText } from "./_text.ts";

test("textWidth grows with the text and the size, wide letters wider than narrow ones, bold wider", () => {
  assert.equal(textWidth("", { size: 13 }), 0);
  assert.ok(textWidth("mmmm", { size: 13 }) > textWidth("iiii", { size: 13 }));
  assert.ok(textWidth("abc", { size: 16 }) > textWidth("abc", { size: 13 }));
  assert.ok(textWidth("abc", { size: 13, bold: true }) > textWidth("abc", { size: 13 }));
});

test("fitTitle keeps a short title on one line and splits a long one at a space into two balanced lines", () => {
  assert.deepEqual(fitTitle("short", { width: 400, size: 16 }), { lines: ["short"], size: 16 });
  const long = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu";
  const fit = fitTitle(long, { width: 400, size: 16 });
  assert.equal(fit.lines.length, 2);
  assert.equal(fit.lines.join(" "), long);
  const [a, b] = fit.lines.map((l) => textWidth(l, { size: fit.size, bold: true }));
  assert.ok(Math.max(a!, b!) <= 400 && Math.abs(a! - b!) < 60, `${a} vs ${b}`);
});

test("fitTitle shrinks the font before it truncates, and never below minSize", () => {
  const long = "word ".repeat(30).trim();
  const fit = fitTitle(long, { width: 300, size: 16, minSize: 10 });
  assert.ok(fit.size < 16 && fit.size >= 10);
  for (const l of fit.lines) assert.ok(textWidth(l, { size: fit.size, bold: true }) <= 300);
  const huge = fitTitle("word ".repeat(300), { width: 300, size: 16, minSize: 10 });
  assert.equal(huge.size, 10);
  assert.ok(huge.lines.every((l) => l.endsWith("…") && textWidth(l, { size: 10, bold: true }) <= 300));
});

test("truncateText leaves text that fits and ends the rest with an ellipsis", () => {
  assert.equal(truncateText("abc", { max: 100, size: 13 }), "abc");
  const cut = truncateText("abcdefghijklmnopqrstuvwxyz", { max: 60, size: 13 });
  assert.match(cut, /^abc\w*…$/);
  assert.ok(textWidth(cut, { size: 13 }) <= 60);
});

test("wrapText keeps text that fits, breaks the rest at the last space that fits, and truncates the second line", () => {
  const font = { max: 186, size: 13 };
  assert.deepEqual(wrapText("optimal(bytes), stage", font), ["optimal(bytes), stage"]);
  assert.deepEqual(wrapText("optimal(bytes), stage, predicted", font), [
    "optimal(bytes), stage,",
    "predicted",
  ]);
  const [first, second] = wrapText(`optimal(bytes=7.76 MiB, ${"granularity=stage ".repeat(4)}`, font);
  assert.ok(textWidth(first!, font) <= 186 && textWidth(second!, font) <= 186);
  assert.ok(second!.endsWith("…"));
  assert.deepEqual(wrapText("W".repeat(60), font), [truncateText("W".repeat(60), font)]);
});
