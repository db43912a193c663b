import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { mlp, staticProfile } from "@remat/core";
import { sqrt } from "@remat/strategies";
import { COMMANDS } from "./cli.ts";
import { run } from "./testdata/run_cli.ts";

test("runCli --help lists every command, and each command has its own --help", async () => {
  const top = await run("--help");
  assert.equal(top.status, 0);
  for (const c of COMMANDS) {
    assert.match(top.out, new RegExp(`\\b${c.name}\\b`));
    const h = await run(c.name, "--help");
    assert.equal(h.status, 0, c.name);
    assert.match(h.out, new RegExp(`^usage: remat ${c.name}`));
  }
});

test("runCli rejects an unknown command and a bad option with one line and status 2", async () => {
  const a = await run("plot");
  assert.equal(a.status, 2);
  assert.match(a.err, /unknown command "plot"; expected one of plan/);
  const b = await run("plan", "--depth=-4");
  assert.equal(b.status, 2);
  assert.equal(b.err.split("\n").length, 1);
  assert.match(b.err, /--depth: got "-4"; expected an integer ≥ 1/);
  const c = await run("plan", "--colour", "red");
  assert.equal(c.status, 2);
  assert.match(c.err, /--colour/);
});

test("plan --json reports the strategy's own summary numbers", async () => {
  const r = await run(
    "plan",
    "--depth",
    "12",
    "--width",
    "32",
    "--batch",
    "16",
    "--strategy",
    "sqrt",
    "--json",
  );
  assert.equal(r.status, 0, r.err);
  const got = JSON.parse(r.out);
  const want = sqrt(staticProfile(mlp({ depth: 12, width: 32, hidden: 128, classes: 3, inputs: 2 }), 16))
    .summary();
  assert.equal(got.predictedPeakBytes, want.predictedPeakBytes);
  assert.deepEqual(got.forwardsPerStage, want.forwardsPerStage);
  assert.equal(got.strategy, want.strategy);
});

test("plan with an infeasible budget fails with status 1 naming the smallest feasible budget", async () => {
  const r = await run("plan", "--strategy", "optimal", "--bytes", "1KB");
  assert.equal(r.status, 1);
  assert.match(r.err, /smallest feasible budget is \d+ bytes/);
});

test("profile writes a profile that plan --profile reads, with the exact static bytes", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "remat-cli-"));
  try {
    const file = path.join(dir, "p.json");
    const p = await run(
      "profile",
      "--depth",
      "3",
      "--width",
      "16",
      "--batch",
      "8",
      "--repeats",
      "1",
      "--out",
      file,
    );
    assert.equal(p.status, 0, p.err);
    const saved = JSON.parse(readFileSync(file, "utf8"));
    assert.match(saved.profile.source, /^measured:cpu/);
    const fromFile = JSON.parse(
      (await run("plan", "--profile", file, "--strategy", "storeAll", "--json")).out,
    );
    const fromModel = JSON.parse(
      (await run("plan", "--depth", "3", "--width", "16", "--batch", "8", "--json")).out,
    );
    assert.equal(fromFile.predictedPeakBytes, fromModel.predictedPeakBytes, "bytes are exact either way");
    writeFileSync(
      file,
      JSON.stringify({ format: "remat-profile/1", profile: { ...saved.profile, stages: [{ name: "x" }] } }),
    );
    const bad = await run("plan", "--profile", file);
    assert.equal(bad.status, 2);
    assert.match(bad.err, /stages\[0\]\.outputBytes is undefined/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("train runs a short job and prints loss, time and memory", async () => {
  const r = await run(
    "train",
    "--depth",
    "2",
    "--width",
    "16",
    "--steps",
    "150",
    "--lr",
    "0.01",
    "--strategy",
    "revolve",
    "--slots",
    "1",
  );
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /plan {4}revolve/);
  assert.match(r.out, /loss {4}\d\.\d+ → \d\.\d+/);
  assert.match(r.out, /memory {2}peak activations/);
});

test("pareto writes a predicted frontier whose lines end at store-all and never rise with the budget", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "remat-cli-"));
  try {
    const stem = path.join(dir, "f");
    const r = await run(
      "pareto",
      "--depth",
      "10",
      "--width",
      "16",
      "--batch",
      "8",
      "--budgets",
      "6",
      "--out",
      stem,
    );
    assert.equal(r.status, 0, r.err);
    const doc = JSON.parse(readFileSync(`${stem}.json`, "utf8"));
    assert.equal(doc.line.length, 6);
    for (let i = 1; i < doc.line.length; i++) assert.ok(doc.line[i].ratio <= doc.line[i - 1].ratio + 1e-12);
    assert.ok(Math.abs(doc.line.at(-1).ratio - 1) < 1e-12, "at store-all's peak optimal recomputes nothing");
    assert.equal(doc.lineStage.length, 6);
    for (let i = 0; i < doc.lineStage.length; i++) {
      const op = doc.line[i], stage = doc.lineStage[i];
      assert.equal(stage.budgetBytes, op.budgetBytes);
      assert.match(stage.strategy, /granularity=stage/);
      assert.ok(op.ratio <= stage.ratio + 1e-12, `partial tapes are never slower at ${op.budgetBytes} B`);
      if (i > 0) assert.ok(stage.ratio <= doc.lineStage[i - 1].ratio + 1e-12);
    }
    assert.ok(Math.abs(doc.lineStage.at(-1).ratio - 1) < 1e-12);
    const svg = readFileSync(`${stem}.svg`, "utf8");
    assert.match(svg, /^<svg/);
    assert.match(svg, /sqrt\(every=/);
    assert.match(svg, />optimal\(bytes\), op</);
    assert.match(svg, />optimal\(bytes\), stage</);
    assert.equal((svg.match(/class="compare-point"/g) ?? []).length, 6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bench measures every compared strategy, both sweeps and both duels, with peaks equal to the predictions", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "remat-cli-"));
  try {
    const r = await run(
      "bench",
      "--depth",
      "3",
      "--width",
      "8",
      "--batch",
      "4",
      "--steps",
      "1",
      "--budgets",
      "3",
      "--out",
      dir,
      "--name",
      "b",
    );
    assert.equal(r.status, 0, r.err);
    const doc = JSON.parse(readFileSync(path.join(dir, "b.json"), "utf8"));
    assert.equal(doc.rows.filter((x: { series: string }) => x.series === "point").length, 8);
    assert.equal(doc.rows.filter((x: { series: string }) => x.series === "frontier").length, 3);
    assert.equal(doc.rows.filter((x: { series: string }) => x.series === "frontier-stage").length, 3);
    for (const row of doc.rows) assert.equal(row.measuredPeakBytes, row.predictedPeakBytes, row.strategy);
    assert.equal(doc.agreement.peaksEqual, doc.rows.length);
    for (const row of doc.rows) {
      assert.ok(row.measuredRatio > 0 && row.pairs === (row.series === "point" ? 3 : 1), row.strategy);
    }
    assert.ok(doc.optimalVsSqrt.measured > 0 && doc.optimalVsSqrt.pairs === 3);
    assert.ok(
      doc.opVsStage.measured > 0 && doc.opVsStage.pairs === 3 && doc.opVsStage.predicted <= 1 + 1e-12,
    );
    assert.ok(
      doc.rows.some((x: { series: string; budgetBytes: number }) =>
        x.series === "frontier-stage" && x.budgetBytes === doc.opVsStage.bytes
      ),
    );
    assert.equal(doc.opVsStageSweep.budgets, 3);
    assert.equal(doc.opVsStageSweep.minStageOverhead, 0.05);
    assert.match(r.out, /head to head: optimal\(bytes=\d+\) \/ optimal\(bytes=\d+, granularity=stage\) = ×/);
    assert.match(r.out, /op vs stage at the \d of 3 budgets where stage's predicted overhead is ≥ 5%: /);
    const svg = readFileSync(path.join(dir, "b_frontier.svg"), "utf8");
    assert.match(svg, /^<svg/);
    assert.match(svg, />optimal\(bytes\), stage</);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("plan --timeline draws the schedule with one recompute bar per repeated forward", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "remat-cli-"));
  try {
    const file = path.join(dir, "t.svg");
    const r = await run(
      "plan",
      "--depth",
      "6",
      "--width",
      "16",
      "--batch",
      "8",
      "--strategy",
      "sqrt",
      "--timeline",
      file,
      "--json",
    );
    assert.equal(r.status, 0, r.err);
    const plan = JSON.parse(r.out);
    const svg = readFileSync(file, "utf8");
    const recomputes = plan.forwardsPerStage.reduce((a: number, f: number) => a + f - 1, 0);
    assert.ok(recomputes > 0);
    assert.equal((svg.match(/class="recompute"/g) ?? []).length, recomputes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
