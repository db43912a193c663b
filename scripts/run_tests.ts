/**
 * Runs the whole workspace's tests under Deno and ends with one line
 * `N passed, N failed, N skipped` counted from Deno's JUnit report (`junit_summary.ts`).
 * Exit status: Deno's.
 * @module
 */
import process from "node:process";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { junitSummary } from "./junit_summary.ts";

const junit = join(mkdtempSync(join(tmpdir(), "remat-test-")), "report.xml");
const args = ["test", "-A", `--junit-path=${junit}`, ...process.argv.slice(2)];
// Mesa's software Vulkan adapter warns on every device when XDG_RUNTIME_DIR is unset.
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() };
const run = spawnSync(process.execPath, args, { stdio: "inherit", env });

let xml = "";
try {
  xml = readFileSync(junit, "utf8");
} catch {
  console.log("0 passed, 1 failed");
  console.error("test: deno test wrote no report");
  process.exit(run.status || 1);
}

const { passed, failed, skipped } = junitSummary(xml);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
// Deno writes the report once every test has finished. A process killed by a signal after that
// (seen once: glibc aborting on heap corruption while the runtime tore down, after "ok | …
// 0 failed") crashed outside every test; say so, and let the report decide.
const crashedAfterReport = run.status === null && run.signal !== null && passed > 0 && failed === 0;
if (crashedAfterReport) {
  console.error(
    `test: deno was killed by ${run.signal} after writing a complete report with no failed test (a crash at exit, outside every test)`,
  );
}
process.exit(crashedAfterReport ? 0 : run.status ?? 1);
