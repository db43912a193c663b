/**
 * The GPU host check: describes the WebGPU adapter, times checked f32 matmuls, steps the
 * reference models under store-all, sqrt and optimal, runs the GPU-host example and the WebGPU
 * suites (kernel conformance, agreement with the CPU, strategy exactness) as bundled child
 * runs, and writes `gpu_check.json` and `gpu_check.txt` to `--out`. The JSON is rewritten after
 * every phase, so a run cut short keeps what it measured. Exit status 1 when anything is wrong.
 *
 * Run through `scripts/gpu_check.sh run [--local]`, which unpacks the bundles this reads:
 *   deno run -A report.js --out DIR --bundles DIR [--local]
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { buildModel } from "@remat/cli";
import { WebGpuBackend } from "@remat/webgpu";
import { junitSummary } from "../../scripts/junit_summary.ts";
import { timeMatmul } from "../webgpu_matmul.ts";
import { probeAdapter } from "./adapter_probe.ts";
import { type CheckSizes, GPU_SIZES, LOCAL_SIZES } from "./check_sizes.ts";
import type { GpuCheckReport, HostExampleFigures } from "./report_types.ts";
import { reportText } from "./report_text.ts";
import { strategySteps } from "./strategy_steps.ts";
import { runDeno } from "./subprocess.ts";
import { reportProblems } from "./verdict.ts";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    bundles: { type: "string" },
    local: { type: "boolean", default: false },
  },
  strict: true,
});
if (!values.out || !values.bundles) {
  console.error("gpu_check: --out DIR and --bundles DIR are required (scripts/gpu_check.sh passes them)");
  process.exit(2);
}
const out = values.out, bundles = values.bundles;
const sizes: CheckSizes = values.local ? LOCAL_SIZES : GPU_SIZES;
const started = performance.now();
const secondsLeft = () => sizes.budgetSeconds - (performance.now() - started) / 1000;

const report: GpuCheckReport = {
  version: 1,
  local: values.local!,
  startedAt: new Date().toISOString(),
  environment: {
    deno: (globalThis as { Deno?: { version: { deno: string } } }).Deno?.version.deno ?? process.version,
    os: process.platform,
    arch: process.arch,
    cpus: os.cpus().length,
  },
  matmul: [],
  matmulSkipped: [],
  steps: [],
  phases: [],
  problems: [],
};
const save = () => writeFileSync(path.join(out, "gpu_check.json"), JSON.stringify(report, null, 2));

/** Runs one phase, records its time and any error, and saves the report. */
async function phase(name: string, body: () => Promise<void> | void): Promise<void> {
  const t0 = performance.now();
  console.log(`gpu_check: ${name}…`);
  let error: string | undefined;
  try {
    await body();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    console.log(`gpu_check: ${name} failed: ${error}`);
  }
  report.phases.push({
    name,
    seconds: (performance.now() - t0) / 1000,
    ...(error === undefined ? {} : { error }),
  });
  save();
}

await phase("adapter", async () => {
  report.adapter = await probeAdapter();
});

await phase("matmul", async () => {
  const gpu = await WebGpuBackend.create();
  report.backendDevice = gpu.device;
  try {
    for (const n of sizes.matmul) {
      if (secondsLeft() < sizes.budgetSeconds / 2) report.matmulSkipped.push(n);
      else report.matmul.push(await timeMatmul(gpu, n));
      save();
    }
  } finally {
    gpu.dispose();
  }
});

for (const options of sizes.models) {
  await phase(`steps ${options.preset ?? options.model}`, async () => {
    const gpu = await WebGpuBackend.create();
    try {
      report.steps.push(await strategySteps(gpu, buildModel(options), { pairs: sizes.pairs }));
    } finally {
      gpu.dispose();
    }
  });
}

await phase("GPU-host example", () => {
  const json = path.join(out, "host_example.json");
  const run = runDeno(
    ["run", "-A", "--no-config", path.join(bundles, "gpu_host.js"), ...sizes.hostExample, "--json", json],
    { seconds: Math.min(150, secondsLeft() - 60), log: path.join(out, "host_example.log") },
  );
  const figures = existsSync(json) ? JSON.parse(readFileSync(json, "utf8")) as HostExampleFigures : undefined;
  report.hostExample = { run, ...(figures ? { figures } : {}) };
});

await phase("suites", () => {
  const junit = path.join(out, "suites.xml");
  const run = runDeno(
    ["test", "-A", "--no-config", `--junit-path=${junit}`, path.join(bundles, "suites.js")],
    { seconds: secondsLeft(), log: path.join(out, "suites.log") },
  );
  report.suites = {
    run,
    ...(existsSync(junit) ? { summary: junitSummary(readFileSync(junit, "utf8")) } : {}),
  };
});

report.problems = reportProblems(report, { suites: true, hostExample: true });
save();
const text = reportText(report);
writeFileSync(path.join(out, "gpu_check.txt"), text + "\n");
console.log(text);
process.exit(report.problems.length ? 1 : 0);
