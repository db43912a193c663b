import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { type CliRun, run } from "./testdata/run_cli.ts";

/** Asserts a usage mistake: exit status 2 and one line on stderr matching `message`. */
function usage(r: CliRun, message: RegExp, what = ""): void {
  assert.equal(r.status, 2, `${what}: status ${r.status}, stderr ${r.err}`);
  assert.equal(r.err.split("\n").length, 1, `${what}: one line, got ${r.err}`);
  assert.match(r.err, message, what);
}

const STRATEGIES = /storeAll, sqrt, uniform, revolve, budget, optimal/;
const BYTES = /a positive size such as 1048576, 4e6, 512K, 4M, 1\.5G, 4MiB or 4MB/;

test("an unknown strategy, a missing or zero --bytes and an unknown --backend are usage mistakes (status 2)", async () => {
  usage(await run("plan", "--strategy", "sqr"), /--strategy: got "sqr"; expected one of /, "sqr");
  usage(await run("plan", "--strategy", "sqr"), STRATEGIES, "sqr lists the strategies");
  usage(
    await run("plan", "--strategy", "optimal"),
    /--bytes: missing; --strategy optimal needs an activation budget/,
  );
  usage(await run("plan", "--strategy", "optimal"), BYTES, "optimal without --bytes lists the sizes");
  usage(await run("plan", "--strategy", "optimal", "--bytes", "0"), /--bytes: got "0"; /);
  usage(await run("plan", "--strategy", "optimal", "--bytes", "0"), BYTES);
  usage(await run("plan", "--strategy", "uniform"), /--every: missing; --strategy uniform needs/);
  usage(await run("plan", "--strategy", "revolve"), /--slots: missing; --strategy revolve needs/);
  usage(await run("plan", "--strategy", "budget"), /--bytes or --fraction: missing/);
  for (const cmd of ["profile", "train"]) {
    usage(
      await run(cmd, "--backend", "cuda", "--depth", "2"),
      /--backend: got "cuda"; expected one of cpu, webgpu, auto/,
      cmd,
    );
  }
});

test("an unwritable --out or --timeline is one line, 'cannot write <path>: <reason>', and status 1", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "remat-cli-"));
  try {
    const file = path.join(dir, "a-file");
    writeFileSync(file, "not a folder");
    const inFile = path.join(file, "x.json"), missing = path.join(dir, "nope", "x.json");
    const cases: Array<[string[], string]> = [
      [["plan", "--depth", "2", "--width", "8", "--timeline", path.join(dir, "nope", "t.svg")], "t.svg"],
      [["plan", "--depth", "2", "--width", "8", "--timeline", path.join(file, "t.svg")], "t.svg"],
      [["profile", "--depth", "2", "--width", "8", "--repeats", "1", "--out", missing], missing],
      [["profile", "--depth", "2", "--width", "8", "--repeats", "1", "--out", inFile], inFile],
      [["pareto", "--depth", "2", "--width", "8", "--budgets", "2", "--out", path.join(file, "f")], "f.json"],
      [["bench", "--depth", "2", "--width", "8", "--steps", "1", "--out", path.join(file, "d")], "d"],
    ];
    for (const [argv, named] of cases) {
      const r = await run(...argv);
      assert.equal(r.status, 1, `${argv.join(" ")}: ${r.err}`);
      assert.equal(r.err.split("\n").length, 1, r.err);
      assert.match(
        r.err,
        new RegExp(`^remat ${argv[0]}: cannot (write|create) \\S*${named.replace(/[.]/g, "\\.")}: \\S`),
      );
      assert.doesNotMatch(r.err, /\bat \S+:\d+/, "no stack trace");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("absurd sizes are refused at once, naming the maximum; integers may be written 1e3", async () => {
  const t0 = performance.now();
  usage(await run("plan", "--depth", "1e9"), /--depth: got "1e9"; expected an integer ≥ 1 and ≤ 10000/);
  assert.ok(performance.now() - t0 < 5000, "refused before building anything");
  usage(await run("plan", "--width", "65537"), /--width: got "65537"; expected an integer ≥ 1 and ≤ 65536/);
  usage(await run("plan", "--model", "gpt", "--layers", "20000"), /--layers: got "20000"; .* ≤ 10000/);
  usage(await run("plan", "--batch", "1e7"), /--batch: got "1e7"; .* ≤ 1000000/);
  usage(await run("plan", "--depth", "1.5"), /--depth: got "1.5"; expected an integer/);
  usage(await run("plan", "--depth", "0x10"), /--depth: got "0x10"; expected an integer/);
  usage(
    await run("plan", "--model", "gpt", "--heads", "5"),
    /--heads: got "5"; expected a divisor of --d-model 64/,
  );
  const r = await run("plan", "--depth", "1e3", "--width", "4", "--batch", "2", "--json");
  assert.equal(r.status, 0, r.err);
  assert.match(JSON.parse(r.out).chain, /^mlp\(depth=1000,/);
});

test("a model whose parameters and activations exceed this machine's memory is refused, naming both", async () => {
  const t0 = performance.now();
  const r = await run("plan", "--depth", "10000", "--width", "65536", "--hidden", "65536");
  usage(
    r,
    /needs at least [\d.]+ TiB \(parameters [\d.]+ TiB \+ store-all activations [\d.]+ GiB\); the limit is [\d.]+ \w+, this machine's memory/,
  );
  assert.ok(performance.now() - t0 < 10_000, "refused without a profile");
});

test("a negative value after any numeric flag is that flag's own error, not parseArgs' 'ambiguous'", async () => {
  usage(
    await run("plan", "--strategy", "optimal", "--bytes", "-1"),
    /--bytes: got "-1"; expected a positive size/,
  );
  usage(await run("plan", "--bytes", "-1"), /--bytes: got "-1"; expected a positive size/);
  usage(
    await run("plan", "--strategy", "budget", "--fraction", "-0.5"),
    /--fraction: got "-0.5"; expected a number in \[0, 1\]/,
  );
  usage(
    await run("plan", "--strategy", "uniform", "--every", "-2"),
    /--every: got "-2"; expected an integer ≥ 1/,
  );
  usage(
    await run("plan", "--strategy", "revolve", "--slots", "-1"),
    /--slots: got "-1"; expected an integer ≥ 1/,
  );
  for (const flag of ["depth", "width", "hidden", "batch", "classes"]) {
    usage(
      await run("plan", `--${flag}`, "-4"),
      new RegExp(`--${flag}: got "-4"; expected an integer ≥ \\d`),
      flag,
    );
  }
  usage(await run("plan", "--seed", "-1"), /--seed: got "-1"; expected an integer ≥ 0/);
  usage(
    await run("plan", "--model", "gpt", "--seq-len", "-8"),
    /--seq-len: got "-8"; expected an integer ≥ 1/,
  );
  usage(await run("pareto", "--budgets", "-3"), /--budgets: got "-3"; expected an integer ≥ 1/);
  usage(await run("profile", "--repeats", "-1"), /--repeats: got "-1"; expected an integer ≥ 1/);
  usage(await run("train", "--steps", "-5"), /--steps: got "-5"; expected an integer ≥ 1/);
  usage(await run("train", "--lr", "-0.1"), /--lr: got "-0.1"; expected a number ≥ 0/);
  usage(await run("bench", "--steps", "-1e3"), /--steps: got "-1e3"; expected an integer ≥ 1/);
  usage(
    await run("plan", "--timeline", "-x"),
    /--timeline.*ambiguous/,
    "a non-numeric dash value is still parseArgs' error, on one line",
  );
});

test("flags that do not apply are usage mistakes naming the flag and why", async () => {
  usage(
    await run("plan", "--strategy", "sqrt", "--bytes", "4M"),
    /--bytes does not apply: --strategy sqrt takes no parameter; --bytes is for budget, optimal/,
  );
  usage(await run("plan", "--bytes", "4M"), /--bytes does not apply: --strategy storeAll \(the default\)/);
  usage(
    await run("plan", "--strategy", "optimal", "--bytes", "4M", "--every", "2"),
    /--every does not apply: --strategy optimal takes --bytes; --every is for uniform/,
  );
  usage(
    await run("plan", "--strategy", "uniform", "--every", "2", "--slots", "2"),
    /--slots does not apply: --strategy uniform takes --every; --slots is for revolve/,
  );
  usage(await run("plan", "--strategy", "sqrt", "--fraction", "0.5"), /--fraction does not apply/);
  usage(
    await run("plan", "--strategy", "budget", "--bytes", "4M", "--fraction", "0.5"),
    /--fraction does not apply: --strategy budget takes --bytes or --fraction, not both/,
  );
  usage(
    await run("plan", "--profile", "p.json", "--depth", "3"),
    /--depth does not apply: --profile p.json already fixes the model and batch/,
  );
  usage(
    await run("pareto", "--profile", "p.json", "--batch", "3"),
    /--batch does not apply: --profile p.json/,
  );
  usage(
    await run("plan", "--model", "mlp", "--layers", "4"),
    /--layers does not apply: it is a gpt option and the model is an mlp/,
  );
  usage(
    await run("plan", "--model", "gpt", "--depth", "4"),
    /--depth does not apply: it is an mlp or resnet option and the model is a gpt/,
  );
  usage(
    await run("plan", "--model", "gpt", "--data", "teacher"),
    /--data does not apply: it is an mlp or resnet option/,
  );
  usage(
    await run("plan", "--preset", "reference-gpt", "--width", "4"),
    /--width does not apply: .* \(--preset reference-gpt\)/,
  );
  usage(
    await run("plan", "--preset", "reference-gpt", "--model", "mlp"),
    /--model mlp does not apply with --preset reference-gpt, which is a gpt/,
  );
  usage(
    await run("train", "--layers", "2"),
    /--layers does not apply: it is a gpt option and the model is an mlp/,
  );
});

test("byte sizes take 4e6 and 4M, and a rejection lists the accepted forms", async () => {
  const bytes = async (b: string) =>
    JSON.parse((await run("plan", "--strategy", "optimal", "--bytes", b, "--json")).out).strategy;
  assert.equal(await bytes("4e6"), "optimal(bytes=4000000)");
  assert.equal(await bytes("4M"), "optimal(bytes=4194304)");
  assert.equal(await bytes("4MB"), "optimal(bytes=4000000)");
  for (const b of ["4X", "4.5", "lots", "4 MiBs"]) {
    usage(
      await run("plan", "--strategy", "optimal", "--bytes", b),
      new RegExp(`--bytes: got "${b}"; .*${BYTES.source}`),
      b,
    );
  }
});
