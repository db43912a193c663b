import assert from "node:assert/strict";
import { test } from "node:test";
import { passingReport } from "./_test_report.ts";
import { reportProblems } from "./verdict.ts";

const ALL = { suites: true, hostExample: true } as const;

test("reportProblems finds nothing in a passing report", () => {
  assert.deepEqual(reportProblems(passingReport(), ALL), []);
});

test("reportProblems names a plan whose measured peak differs from its prediction, with both", () => {
  const r = passingReport();
  r.steps[0] = {
    ...r.steps[0]!,
    rows: [{ ...r.steps[0]!.rows[0]!, measuredPeakBytes: 1024, peaksEqual: false }],
  };
  assert.deepEqual(reportProblems(r, ALL), [
    "mlp(depth=32) storeAll: measured peak 1024 B ≠ predicted 1000 B",
  ]);
});

test("reportProblems reports failed suites by name, a missing suite report and a timeout", () => {
  const r = passingReport();
  const run = { status: 1, timedOut: false, seconds: 3, tail: "" };
  r.suites = { run, summary: { passed: 90, failed: 1, skipped: 0, failures: ["conformance > matmul"] } };
  assert.deepEqual(reportProblems(r, ALL), ["suites: 1 failed: conformance > matmul"]);
  r.suites = { run: { ...run, status: null, timedOut: true } };
  assert.deepEqual(reportProblems(r, ALL), ["the suites left no report (status null, timed out)"]);
  delete r.suites;
  assert.deepEqual(reportProblems(r, ALL), ["the suites did not run"]);
  assert.deepEqual(reportProblems(r, { suites: false, hostExample: true }), []);
});

test("reportProblems checks the example's peaks and that its loss fell", () => {
  const r = passingReport();
  const figures = { ...r.hostExample!.figures!, measuredPeakBytes: 991, loss: { first: 3, last: 3 } };
  r.hostExample = { run: r.hostExample!.run, figures };
  assert.deepEqual(reportProblems(r, ALL), [
    "GPU-host example: measured peak 991 B ≠ predicted 990 B",
    "GPU-host example: the loss did not fall (3 → 3)",
  ]);
});

test("reportProblems reports a failed phase, no adapter and no matmul", () => {
  const r = passingReport();
  delete r.adapter;
  r.matmul = [];
  r.phases.push({ name: "adapter", seconds: 0, error: "no adapter found" });
  assert.deepEqual(reportProblems(r, ALL), [
    "adapter: no adapter found",
    "no adapter was described",
    "no matmul size was timed",
  ]);
});
