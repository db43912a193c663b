import assert from "node:assert/strict";
import { test } from "node:test";
import { esc, niceStep, tickLabel, ticksOf } from "./_svg.ts";
import { byClass, parseSvg, pointsOf } from "./_svg_check.ts";

test("esc escapes &, <, > and double quotes", () => {
  assert.equal(esc(`a<b>&"c"`), "a&lt;b&gt;&amp;&quot;c&quot;");
});

test("niceStep picks 1, 2 or 5 times a power of ten", () => {
  assert.equal(niceStep(905.8, 8), 200);
  assert.equal(niceStep(4.9, 10), 0.5);
  assert.equal(niceStep(21, 6), 5);
  assert.equal(niceStep(0, 6), 1);
});

test("ticksOf lists the multiples of a step within a range, ends included", () => {
  assert.deepEqual(ticksOf(0, 1000, 200), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(ticksOf(0.5, 1.6, 0.5), [0.5, 1, 1.5]);
});

test("tickLabel shows as many decimals as the step needs", () => {
  assert.equal(tickLabel(1.5, 0.5), "1.5");
  assert.equal(tickLabel(400, 200), "400");
  assert.equal(tickLabel(0.25, 0.05), "0.25");
});

test("parseSvg reads elements, attributes and decoded text", () => {
  const svg = parseSvg(
    `<svg w="1"><g class="a b"><text>x &lt; y</text></g><polyline class="b" points="1,2 3,4"/></svg>`,
  );
  assert.equal(byClass(svg, "b").length, 2);
  assert.equal(svg.children[0]!.children[0]!.text, "x < y");
  assert.deepEqual(pointsOf(byClass(svg, "b")[1]!), [[1, 2], [3, 4]]);
});

test("parseSvg rejects unbalanced tags and unescaped text", () => {
  assert.throws(() => parseSvg("<svg><g></svg>"), /closes <g>/);
  assert.throws(() => parseSvg("<svg><g>"), /never closed/);
  assert.throws(() => parseSvg("<svg><text>a & b</text></svg>"), /unescaped/);
  assert.throws(() => parseSvg(`<svg><text a="<">x</text></svg>`), /malformed|unescaped/);
  assert.throws(() => parseSvg("<g></g>"), /root <svg>/);
});
