/**
 * Each plot rendered once in headless Chromium and checked not blank. Without Chromium the
 * tests skip, except under CI (CI=true), where they fail saying to install it.
 * @module
 */
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { mlp, staticProfile } from "@remat/core";
import { sqrt } from "@remat/strategies";
import { findChromium, renderSvgToPng } from "./_chromium.ts";
import { decodePng, inkStats, type RgbaImage } from "./_png.ts";
import { frontierSvg } from "./frontier.ts";
import { timelineSvg } from "./timeline.ts";

const chromium = findChromium();
const ci = process.env.CI === "true";
const skip = !chromium && !ci
  ? "Chromium not found (looked at $CHROMIUM or /usr/bin/chromium, chromium-browser, google-chrome); install it with `apt-get install -y chromium` to run the render tests"
  : false;
const opts = { skip, timeout: 240_000 };
if (skip) console.warn(`render_test.ts: skipping: ${skip}`);

function render(svg: string): RgbaImage {
  if (!chromium) {
    assert.fail(
      "Chromium is not installed but CI=true requires the render tests: install it with `apt-get install -y chromium` (or set $CHROMIUM)",
    );
  }
  return decodePng(renderSvgToPng(svg, chromium, 180_000));
}

/** Pixels within 3 per channel of a colour. */
function countNear(img: RgbaImage, hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < img.rgba.length; i += 4) {
    if (
      Math.abs(img.rgba[i]! - r!) <= 3 && Math.abs(img.rgba[i + 1]! - g!) <= 3 &&
      Math.abs(img.rgba[i + 2]! - b!) <= 3
    ) n++;
  }
  return n;
}

test("timelineSvg renders in headless Chromium to a PNG that is drawn on, in the bar colours", opts, () => {
  const profile = staticProfile(mlp({ depth: 6, width: 64, hidden: 256, classes: 10 }), 32);
  const img = render(timelineSvg(sqrt(profile), profile));
  assert.deepEqual([img.width, img.height], [860, 650]);
  const { inkFraction, colours } = inkStats(img);
  assert.ok(inkFraction > 0.05 && inkFraction < 0.8, `ink fraction ${inkFraction}`);
  assert.ok(colours > 16, `${colours} distinct colours`);
  for (const c of ["#1f77b4", "#ff7f0e", "#2ca02c"]) {
    assert.ok(countNear(img, c) > 50, `bars of ${c} visible`);
  }
});

test("frontierSvg renders in headless Chromium to a PNG that is drawn on", opts, () => {
  const MiB = 2 ** 20;
  const img = render(frontierSvg({
    title: "frontier",
    lineLabel: "optimal(bytes)",
    line: [1, 2, 4, 8].map((m) => ({
      label: `o${m}`,
      bytes: m * MiB,
      ratio: 1 + 0.5 / m,
      predictedRatio: 1 + 0.45 / m,
    })),
    points: [{ label: "storeAll", bytes: 10 * MiB, ratio: 1 }, {
      label: "sqrt",
      bytes: 2.5 * MiB,
      ratio: 1.3,
    }],
  }));
  assert.deepEqual([img.width, img.height], [860, 500]);
  const { inkFraction, colours } = inkStats(img);
  assert.ok(inkFraction > 0.02 && inkFraction < 0.8, `ink fraction ${inkFraction}`);
  assert.ok(colours > 16, `${colours} distinct colours`);
  assert.ok(countNear(img, "#1f77b4") > 30, "the frontier line is visible");
});
