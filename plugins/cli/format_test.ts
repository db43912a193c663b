import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes } from "./format.ts";

test("formatBytes writes whole bytes below 1 KiB", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1), "1 B");
  assert.equal(formatBytes(1023), "1023 B");
});

test("formatBytes uses binary units with two decimals from 1 KiB", () => {
  assert.equal(formatBytes(1024), "1.00 KiB");
  assert.equal(formatBytes(1536), "1.50 KiB");
  assert.equal(formatBytes(1024 ** 2), "1.00 MiB");
  assert.equal(formatBytes(3.25 * 1024 ** 3), "3.25 GiB");
  assert.equal(formatBytes(5 * 1024 ** 4), "5.00 TiB");
});

test("formatBytes stops at TiB for larger sizes", () => {
  assert.equal(formatBytes(1024 ** 5), "1024.00 TiB");
});

test("formatBytes keeps the sign of a negative difference", () => {
  assert.equal(formatBytes(-2048), "-2.00 KiB");
  assert.equal(formatBytes(-5), "-5 B");
});
