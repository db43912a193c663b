import assert from "node:assert/strict";
import { test } from "node:test";
import {
  attachNegativeValues,
  intOption,
  numberOption,
  parseBytes,
  rejectFlags,
  UsageError,
} from "./args.ts";
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

test("parseBytes takes exponent integers and K/M/G/T units, and a rejection lists the accepted forms", () => {
  assert.equal(parseBytes("4e6", "--bytes"), 4_000_000);
  assert.equal(parseBytes("4M", "--bytes"), 4 * 2 ** 20);
  assert.equal(parseBytes("512K", "--bytes"), 512 * 1024);
  assert.equal(parseBytes("1.5G", "--bytes"), 1.5 * 2 ** 30);
  assert.equal(parseBytes("4MiB", "--bytes"), 4 * 2 ** 20);
  assert.equal(parseBytes("2TB", "--bytes"), 2e12);
  assert.equal(parseBytes("1b", "--bytes"), 1);
  for (const bad of ["0", "-1", "4.5", "4e-3", "4X", "4Ki", "1e400", "", "0.0001K"]) {
    assert.throws(
      () => parseBytes(bad, "--bytes"),
      (e: unknown) =>
        e instanceof UsageError && e.message.startsWith(`--bytes: got "${bad}"; `) &&
        /expected a positive size such as 1048576, 4e6, 512K, 4M, 1\.5G, 4MiB or 4MB \(K, M, G, T/.test(
          e.message,
        ),
      bad,
    );
  }
  assert.match(
    (() => {
      try {
        parseBytes("4.5", "--bytes");
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })(),
    /not a whole number of bytes/,
  );
});

test("intOption reads whole numbers in exponent form and enforces { min, max }", () => {
  assert.equal(intOption({ depth: "1e3" }, "depth", 8), 1000);
  assert.equal(intOption({ depth: "2.5e1" }, "depth", 8), 25);
  assert.equal(intOption({ depth: "10000" }, "depth", 8, { max: 10_000 }), 10_000);
  assert.throws(
    () => intOption({ depth: "1e9" }, "depth", 8, { max: 10_000 }),
    /--depth: got "1e9"; expected an integer ≥ 1 and ≤ 10000 \(such as 64 or 1e3\)/,
  );
  for (const bad of ["1.5", "1e-3", "0x10", "", " ", "8px", "Infinity"]) {
    assert.throws(
      () => intOption({ depth: bad }, "depth", 8),
      /expected an integer ≥ 1/,
      JSON.stringify(bad),
    );
  }
  assert.equal(intOption({ seed: "0" }, "seed", 1, { min: 0 }), 0);
});

test("numberOption says ≥ min when there is no maximum", () => {
  assert.throws(() => numberOption({ lr: "-1" }, "lr", 1e-3, 0), /--lr: got "-1"; expected a number ≥ 0$/);
});

test("attachNegativeValues joins a negative number to the flag before it, and nothing else", () => {
  const options = { bytes: { type: "string" }, json: { type: "boolean" }, out: { type: "string" } } as const;
  assert.deepEqual(attachNegativeValues(["--bytes", "-1", "--json"], options), ["--bytes=-1", "--json"]);
  assert.deepEqual(attachNegativeValues(["--bytes", "-.5"], options), ["--bytes=-.5"]);
  assert.deepEqual(attachNegativeValues(["--out", "-x"], options), ["--out", "-x"], "not a number");
  assert.deepEqual(
    attachNegativeValues(["--json", "-1"], options),
    ["--json", "-1"],
    "a boolean takes no value",
  );
  assert.deepEqual(attachNegativeValues(["--bytes=-1"], options), ["--bytes=-1"]);
  assert.deepEqual(
    attachNegativeValues(["--colour", "-1"], options),
    ["--colour", "-1"],
    "unknown flags stay",
  );
});

test("rejectFlags names the first given flag that does not apply, and why", () => {
  rejectFlags({ depth: undefined }, ["depth"], { because: "x" });
  assert.throws(
    () =>
      rejectFlags({ width: "4", depth: "3" }, ["depth", "width"], { because: "the profile fixes the model" }),
    (e: unknown) =>
      e instanceof UsageError && e.message === "--depth does not apply: the profile fixes the model",
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
