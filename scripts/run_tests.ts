/**
 * Runs the whole workspace's tests under Deno and ends with one line
 * `N passed, N failed, N skipped` counted from Deno's JUnit report (leaf tests only:
 * a describe block is not counted on top of the tests inside it).
 * Exit status: Deno's.
 * @module
 */
import process from "node:process";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => ({
  name: unescapeXml(m[1]!),
  body: m[3] ?? "",
}));
const parents = new Set<string>();
for (const c of cases) {
  const parts = c.name.split(" > ");
  for (let i = 1; i < parts.length; i++) parents.add(parts.slice(0, i).join(" > "));
}
const leaves = cases.filter((c) => !parents.has(c.name));
const failed = leaves.filter((c) => /<failure|<error/.test(c.body)).length;
const skipped = leaves.filter((c) => /<skipped/.test(c.body)).length;
const passed = leaves.length - failed - skipped;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(run.status ?? 1);

function unescapeXml(s: string): string {
  return s.replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}
