import assert from "node:assert/strict";
import { test } from "node:test";
import { passingReport } from "./_test_report.ts";
import { reportText } from "./report_text.ts";

test("reportText gives the adapter, the GFLOP/s, each plan's peak and ratio, the example and the suites", () => {
  const text = reportText(passingReport());
  assert.match(text, /adapter {2}nvidia \/ hopper \/ NVIDIA H200/);
  assert.match(text, /features: timestamp-query yes, shader-f16 yes, subgroups no/);
  assert.match(text, /matmul +4096² +6872\.0 GFLOP\/s/);
  assert.match(text, /sqrt\(every=3\) +13\.00 ms {2}×1\.300 \(predicted ×1\.300\) {2}peak 180 B = predicted/);
  assert.match(text, /example {2}gpt, batch 16×256, optimal: 40\.0 ms\/step, 100000 tokens\/s/);
  assert.match(text, /suites {3}96 passed, 0 failed in 12 s/);
  assert.match(text, /verdict {2}ok$/);
});

test("reportText lists the problems instead of the verdict, and a peak that differs", () => {
  const r = passingReport();
  r.steps[0] = {
    ...r.steps[0]!,
    rows: [{ ...r.steps[0]!.rows[0]!, measuredPeakBytes: 2048, peaksEqual: false }],
  };
  r.problems = ["a problem"];
  const text = reportText(r);
  assert.match(text, /peak 2\.00 KiB ≠ predicted 1000 B/);
  assert.match(text, /PROBLEMS\n {2}- a problem$/);
});
