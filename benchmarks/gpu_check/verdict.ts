/**
 * What the GPU host check counts as a failure, read off its report.
 * @module
 */
import type { GpuCheckReport } from "./report_types.ts";

/**
 * Every problem in a report: failed phases, a measured peak that differs from its plan's
 * prediction, an example that did not finish or whose loss did not fall, suites that failed,
 * timed out or left no report.
 * @param expect the phases that should have run (a phase missing from the report is a problem)
 * @example
 * ```ts
 * const problems = reportProblems(report, { suites: true, hostExample: true });
 * ```
 */
export function reportProblems(
  r: GpuCheckReport,
  expect: { readonly suites: boolean; readonly hostExample: boolean },
): string[] {
  const problems: string[] = [];
  for (const p of r.phases) if (p.error !== undefined) problems.push(`${p.name}: ${p.error}`);
  if (!r.adapter) problems.push("no adapter was described");
  if (r.matmul.length === 0) problems.push("no matmul size was timed");
  for (const s of r.steps) {
    for (const row of s.rows) {
      if (!row.peaksEqual) {
        problems.push(
          `${s.model} ${row.strategy}: measured peak ${row.measuredPeakBytes} B ≠ predicted ${row.predictedPeakBytes} B`,
        );
      }
    }
  }
  if (expect.hostExample) {
    const h = r.hostExample;
    if (!h) problems.push("the GPU-host example did not run");
    else if (h.run.status !== 0 || !h.figures) {
      problems.push(
        `the GPU-host example failed (status ${h.run.status}${h.run.timedOut ? ", timed out" : ""})`,
      );
    } else {
      const f = h.figures;
      if (f.measuredPeakBytes !== f.predictedPeakBytes) {
        problems.push(
          `GPU-host example: measured peak ${f.measuredPeakBytes} B ≠ predicted ${f.predictedPeakBytes} B`,
        );
      }
      if (!(f.loss.last < f.loss.first)) {
        problems.push(`GPU-host example: the loss did not fall (${f.loss.first} → ${f.loss.last})`);
      }
    }
  }
  if (expect.suites) {
    const s = r.suites;
    if (!s) problems.push("the suites did not run");
    else if (!s.summary) {
      problems.push(
        `the suites left no report (status ${s.run.status}${s.run.timedOut ? ", timed out" : ""})`,
      );
    } else {
      if (s.summary.failed > 0) {
        problems.push(`suites: ${s.summary.failed} failed: ${s.summary.failures.slice(0, 5).join("; ")}`);
      }
      if (s.summary.passed === 0) problems.push("suites: no test passed");
      if (s.run.timedOut) problems.push("suites: timed out");
    }
  }
  return problems;
}
