import assert from "node:assert/strict";
import { test } from "node:test";
import { junitSummary } from "./junit_summary.ts";

const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="a_test.ts">
    <testcase name="suite" classname="a_test.ts" time="0.1"></testcase>
    <testcase name="suite &gt; adds" classname="a_test.ts" time="0.1"/>
    <testcase name="suite &gt; &quot;rounds&quot; &amp; clamps" classname="a_test.ts" time="0.1">
      <failure message="Expected 1">AssertionError</failure>
    </testcase>
    <testcase name="suite &gt; later" classname="a_test.ts" time="0"><skipped/></testcase>
    <testcase name="alone" classname="a_test.ts" time="0.2"></testcase>
  </testsuite>
</testsuites>`;

test("junitSummary counts leaves only, never a describe block on top of its tests", () => {
  const s = junitSummary(REPORT);
  assert.deepEqual([s.passed, s.failed, s.skipped], [2, 1, 1]);
});

test("junitSummary names each failure with its suite path, unescaped", () => {
  assert.deepEqual(junitSummary(REPORT).failures, ['suite > "rounds" & clamps']);
});

test("junitSummary of a report with no test case is all zeros", () => {
  assert.deepEqual(junitSummary("<testsuites></testsuites>"), {
    passed: 0,
    failed: 0,
    skipped: 0,
    failures: [],
  });
});
