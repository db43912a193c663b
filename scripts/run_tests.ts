/**
 * Runs the whole workspace's tests under Deno and ends with one line
 * `N passed, N failed, N skipped` counted from Deno's JUnit report (`junit_summary.ts`).
 * Exit status: Deno's.
 *
 * The cluster tests need PostgreSQL: with `REMAT_TEST_DATABASE_URL` unset, a throwaway server
 * is started for the run (scripts/pg_cluster.sh) where PostgreSQL is installed; otherwise
 * those tests are skipped with that reason (and fail under CI=true).
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
const env: Record<string, string | undefined> = {
  ...process.env,
  XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir(),
};
const pgDir = env.REMAT_TEST_DATABASE_URL ? undefined : startThrowawayPostgres();
const run = spawnSync(process.execPath, args, { stdio: "inherit", env });
if (pgDir) spawnSync("bash", ["scripts/pg_cluster.sh", "stop", pgDir], { stdio: "inherit" });

/** Starts scripts/pg_cluster.sh (on a free port) and sets the URL in `env`; its directory, or undefined. */
function startThrowawayPostgres(): string | undefined {
  const out = spawnSync("bash", ["scripts/pg_cluster.sh", "start"], { encoding: "utf8" });
  if (out.status !== 0) {
    console.error(
      `test: no throwaway PostgreSQL (${
        (out.stderr || "").trim().split("\n")[0]
      }); the cluster tests report it`,
    );
    return undefined;
  }
  const vars = Object.fromEntries(
    [...out.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
  env.REMAT_TEST_DATABASE_URL = vars.REMAT_TEST_DATABASE_URL;
  console.error(`test: throwaway PostgreSQL at ${vars.REMAT_TEST_DATABASE_URL}`);
  return vars.REMAT_PG_DIR;
}

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
