import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { staticProfile } from "@remat/core";
import { sqrt } from "@remat/strategies";
import { COMMANDS } from "./cli.ts";
import makeChain from "./testdata/chain_module.ts";
import { run } from "./testdata/run_cli.ts";

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), "testdata");
/** A fixture's path relative to the current folder, as a user would type it. */
const fixture = (name: string) => path.relative(process.cwd(), path.join(testdata, name));

test("plan --model FILE plans the module's default chain at --batch (default 16)", async () => {
  const r = await run("plan", "--model", fixture("chain_module.ts"), "--strategy", "sqrt", "--json");
  assert.equal(r.status, 0, r.err);
  const got = JSON.parse(r.out), chain = makeChain();
  const want = sqrt(staticProfile(chain, 16)).summary();
  assert.equal(got.chain, chain.name);
  assert.equal(got.batch, 16);
  assert.equal(got.predictedPeakBytes, want.predictedPeakBytes);
  assert.deepEqual(got.forwardsPerStage, want.forwardsPerStage);
  const b8 = await run("plan", "--model", path.join(testdata, "chain_module.ts"), "--batch", "8", "--json");
  assert.equal(b8.status, 0, b8.err);
  assert.equal(JSON.parse(b8.out).batch, 8, "an absolute path works too");
});

test("plan --model FILE takes a module's `chain` export when it has no default", async () => {
  const r = await run("plan", "--model", fixture("named_chain.ts"), "--json");
  assert.equal(r.status, 0, r.err);
  assert.match(JSON.parse(r.out).chain, /^mlp\(depth=5, width=16/);
});

test("profile --model FILE measures the module's chain, and plan --profile reads it back", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "remat-cli-"));
  try {
    const file = path.join(dir, "p.json");
    const p = await run(
      "profile",
      "--model",
      fixture("chain_module.ts"),
      "--batch",
      "4",
      "--repeats",
      "1",
      "--out",
      file,
    );
    assert.equal(p.status, 0, p.err);
    const saved = JSON.parse(readFileSync(file, "utf8")).profile;
    assert.equal(saved.chain, makeChain().name);
    assert.equal(saved.batch, 4);
    assert.equal(saved.stages.length, makeChain().stages.length);
    assert.match(saved.source, /^measured:cpu/);
    const fromFile = await run("plan", "--profile", file, "--json");
    assert.equal(fromFile.status, 0, fromFile.err);
    const fromModule = await run("plan", "--model", fixture("chain_module.ts"), "--batch", "4", "--json");
    assert.equal(
      JSON.parse(fromFile.out).predictedPeakBytes,
      JSON.parse(fromModule.out).predictedPeakBytes,
      "bytes are exact either way",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("pareto --model FILE writes the module chain's predicted frontier", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "remat-cli-"));
  try {
    const stem = path.join(dir, "f");
    const r = await run("pareto", "--model", fixture("chain_module.ts"), "--budgets", "4", "--out", stem);
    assert.equal(r.status, 0, r.err);
    const doc = JSON.parse(readFileSync(`${stem}.json`, "utf8"));
    assert.equal(doc.chain, makeChain().name);
    assert.equal(doc.batch, 16);
    assert.equal(doc.line.length, 4);
    assert.ok(Math.abs(doc.line.at(-1).ratio - 1) < 1e-12);
    assert.match(readFileSync(`${stem}.svg`, "utf8"), /^<svg/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a missing module, one without a chain export, or a non-chain export is one line naming the path (status 2)", async () => {
  const cases: Array<[string, RegExp]> = [
    [
      "missing.ts",
      /no such file \(looked for .*missing\.ts\); expected a module with a default or `chain` export/,
    ],
    ["no_export.ts", /no default or chain export \(it exports model\); expected a default or `chain` export/],
    [
      "not_a_chain.ts",
      /the default export is not a chain: it has no loss .*; expected a default or `chain` export/,
    ],
  ];
  for (const [name, why] of cases) {
    for (const cmd of ["plan", "profile", "pareto"]) {
      const r = await run(cmd, "--model", fixture(name));
      assert.equal(r.status, 2, `${cmd} ${name}: ${r.err}`);
      assert.equal(r.err.split("\n").length, 1, r.err);
      assert.ok(r.err.startsWith(`remat ${cmd}: --model ${fixture(name)}: `), r.err);
      assert.match(r.err, why);
    }
  }
});

test("size options and --preset do not apply to a model module; train and bench take no module", async () => {
  for (const flag of ["--depth", "--width", "--layers", "--d-model", "--classes"]) {
    const r = await run("plan", "--model", fixture("chain_module.ts"), flag, "4");
    assert.equal(r.status, 2, r.err);
    assert.match(
      r.err,
      new RegExp(`${flag} does not apply: --model \\S+chain_module\\.ts builds its own chain`),
    );
  }
  const p = await run("pareto", "--model", fixture("chain_module.ts"), "--preset", "small");
  assert.equal(p.status, 2);
  assert.match(p.err, /--preset does not apply/);
  for (const cmd of ["train", "bench"]) {
    const r = await run(cmd, "--model", fixture("chain_module.ts"));
    assert.equal(r.status, 2, r.err);
    assert.match(
      r.err,
      /--model: got ".*chain_module\.ts"; expected mlp, gpt or resnet \(a model module is for plan, profile and pareto only\)/,
    );
  }
  const u = await run("plan", "--model", "vgg");
  assert.equal(u.status, 2);
  assert.match(u.err, /--model: got "vgg"; expected mlp, gpt, resnet or a module path/);
});

test("plan, profile and pareto document --model FILE in their --help", async () => {
  for (const c of COMMANDS.filter((c) => ["plan", "profile", "pareto"].includes(c.name))) {
    const h = await run(c.name, "--help");
    assert.match(h.out, /--model FILE {8}your own chain: a module/, c.name);
    assert.match(h.out, /default or `chain` export/, c.name);
  }
});
