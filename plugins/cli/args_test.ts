import assert from "node:assert/strict";
import { test } from "node:test";
import { intOption, numberOption, parseBytes, UsageError } from "./args.ts";
import { renderTable } from "./table.ts";

test("parseBytes reads plain and unit byte counts", () => {
  assert.equal(parseBytes("4000000", "--bytes"), 4_000_000);
  assert.equal(parseBytes("4MB", "--bytes"), 4_000_000);
  assert.equal(parseBytes("1.5MiB", "--bytes"), 1_572_864);
  assert.equal(parseBytes("800 KiB", "--bytes"), 819_200);
  assert.throws(
    () => parseBytes("lots", "--bytes"),
    (e: unknown) => e instanceof UsageError && /--bytes: got "lots"/.test(e.message),
  );
});

test("intOption and numberOption name the option and the value seen", () => {
  assert.equal(intOption({}, "depth", 8), 8);
  assert.equal(intOption({ depth: "3" }, "depth", 8), 3);
  assert.throws(() => intOption({ depth: "2.5" }, "depth", 8), /--depth: got "2.5"; expected an integer ≥ 1/);
  assert.throws(() => intOption({ seed: "-1" }, "seed", 0, 0), /expected an integer ≥ 0/);
  assert.equal(numberOption({ fraction: "0.25" }, "fraction", 0, 0, 1), 0.25);
  assert.throws(
    () => numberOption({ fraction: "2" }, "fraction", 0, 0, 1),
    /--fraction: got "2"; expected a number in \[0, 1\]/,
  );
});

test("renderTable pads columns and right-aligns numbers", () => {
  const t = renderTable(["stage", "name", "forwards"], [["0", "input", "2"], ["10", "block9", "13"]]);
  const lines = t.split("\n");
  assert.equal(lines.length, 4);
  assert.equal(lines[0], "stage  name    forwards");
  assert.equal(lines[2], "    0  input          2");
  assert.equal(lines[3], "   10  block9        13");
});
