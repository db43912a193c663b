/**
 * The GPU host check's short text summary, made from its JSON report.
 * @module
 */
import { formatBytes } from "@remat/cli";
import type { GpuCheckReport } from "./report_types.ts";

/**
 * A few lines per phase: the adapter, GFLOP/s per size, each model's plans with peaks and
 * time ratios, the example's figures, the suites' counts, and the verdict.
 * @example
 * ```ts
 * console.log(reportText(JSON.parse(readFileSync("gpu_check.json", "utf8"))));
 * ```
 */
export function reportText(r: GpuCheckReport): string {
  const out: string[] = [];
  const a = r.adapter;
  out.push(`GPU host check${r.local ? " (--local: software adapter, small sizes)" : ""}, ${r.startedAt}`);
  out.push(
    `deno ${r.environment.deno}, ${r.environment.os}/${r.environment.arch}, ${r.environment.cpus} CPUs`,
  );
  if (a) {
    out.push(`adapter  ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(" / ")}`);
    const probes = Object.entries(a.probes).map(([f, p]) =>
      `${f} ${p.granted ? "yes" : p.offered ? "refused" : "no"}`
    );
    out.push(`         features: ${probes.join(", ")}`);
    const l = a.limits;
    out.push(
      `         maxBufferSize ${formatBytes(l.maxBufferSize ?? 0)}, maxStorageBufferBindingSize ${
        formatBytes(l.maxStorageBufferBindingSize ?? 0)
      }, workgroup storage ${formatBytes(l.maxComputeWorkgroupStorageSize ?? 0)}, invocations ${
        l.maxComputeInvocationsPerWorkgroup ?? "?"
      }`,
    );
  }
  for (const m of r.matmul) {
    out.push(
      `matmul   ${String(m.size).padStart(5)}²  ${m.gflops.toFixed(1).padStart(9)} GFLOP/s  ${
        m.ms.toFixed(3)
      } ms (${m.tile}² tiles, checked: ${m.checked.entries} entries)`,
    );
  }
  if (r.matmulSkipped.length) out.push(`matmul   skipped for time: ${r.matmulSkipped.join(", ")}`);
  for (const s of r.steps) {
    out.push(
      `steps    ${s.model}, batch ${s.batch}, ${s.stages} stages, ${s.pairs} pairs${
        s.dispatchesPerStep === null ? "" : `, ${s.dispatchesPerStep} dispatches per store-all step`
      }`,
    );
    for (const row of s.rows) {
      out.push(
        `         ${row.strategy.padEnd(34)} ${row.ms.toFixed(2).padStart(9)} ms  ×${
          row.measuredRatio.toFixed(3)
        } (predicted ×${row.predictedRatio.toFixed(3)})  peak ${formatBytes(row.measuredPeakBytes)} ${
          row.peaksEqual ? "= predicted" : `≠ predicted ${formatBytes(row.predictedPeakBytes)}`
        }`,
      );
    }
  }
  const h = r.hostExample?.figures;
  if (h) {
    out.push(
      `example  ${h.model}, batch ${h.batch}×${h.seqLen}, ${h.strategy}: ${h.msPerStep.toFixed(1)} ms/step, ${
        h.tokensPerSecond.toFixed(0)
      } tokens/s, peak ${formatBytes(h.measuredPeakBytes)} (predicted ${
        formatBytes(h.predictedPeakBytes)
      }; store-all ${formatBytes(h.storeAllPeakBytes)}), loss ${h.loss.first.toFixed(3)} → ${
        h.loss.last.toFixed(3)
      }`,
    );
  }
  const s = r.suites;
  if (s) {
    out.push(
      s.summary
        ? `suites   ${s.summary.passed} passed, ${s.summary.failed} failed in ${s.run.seconds.toFixed(0)} s`
        : `suites   no report (status ${s.run.status}${s.run.timedOut ? ", timed out" : ""})`,
    );
  }
  out.push(`phases   ${r.phases.map((p) => `${p.name} ${p.seconds.toFixed(0)} s`).join(", ")}`);
  out.push(r.problems.length ? `PROBLEMS\n${r.problems.map((p) => `  - ${p}`).join("\n")}` : "verdict  ok");
  return out.join("\n");
}
