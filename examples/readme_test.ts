/**
 * The README's library snippets, run as written: "Use it as a library" and "Bring your own
 * model" (its blocks concatenated in order, one program), each written into this folder and run
 * by the runtime running the test; and, under Deno, the `deno.json` import map of "Installing"
 * in a project folder beside a clone.
 * @module
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** The fenced blocks of `lang` in the README section under `heading`. */
function blocks(heading: string, lang: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `README has no "## ${heading}" section`);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]!);
}

/** Runs `code` as a script in `dir` with this runtime; returns its stdout. */
function run(code: string, dir: string, name: string, cwd = dir): string {
  const file = path.join(dir, name);
  writeFileSync(file, code);
  try {
    const args = isDeno ? ["run", "-A", file] : [file];
    const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 240_000, cwd });
    assert.equal(r.status, 0, `${name} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(file, { force: true });
  }
}

test("README 'Use it as a library': the snippet trains and reports a plan's peak", () => {
  const [snippet] = blocks("Use it as a library", "ts");
  assert.ok(snippet);
  const out = run(snippet!.replace("steps: 200", "steps: 20"), here, ".readme_library.ts");
  assert.match(out, /^\d+\n/, "the predicted peak first");
  assert.match(out, /^19 \d+\.\d{4} /m, "a line per step");
});

test("README 'Bring your own model': a custom op, stage and loss train, evaluate and match store-all", () => {
  const code = blocks("Bring your own model", "ts");
  assert.ok(code.length >= 6, `${code.length} blocks`);
  const out = run(code.join("\n"), here, ".readme_byom.ts");
  assert.match(out, /user kernels isru,isruBackward/);
  const m = out.match(/loss ([\d.]+) → ([\d.]+), peak (\d+) B measured/);
  assert.ok(m, out);
  assert.ok(Number(m[2]) < 0.2 * Number(m[1]), `loss ${m[1]} → ${m[2]}`);
  assert.match(out, new RegExp(`peak ${m[3]} B, user kernels`), "measured peak = the plan's predicted peak");
  assert.match(out, /held-out loss [\d.]+ over 256 examples/);
  assert.match(out, /gradients bit-identical to store-all/);
});

test("README 'Installing': a Deno project beside a clone runs with the import map as written", {
  skip: isDeno ? false : "the import map is Deno's",
}, () => {
  const [json] = blocks("Use it as a library", "json");
  assert.ok(json);
  const outside = mkdtempSync(path.join(tmpdir(), "remat-readme-"));
  try {
    symlinkSync(root, path.join(outside, "remat"));
    const project = path.join(outside, "my-project");
    mkdirSync(project);
    writeFileSync(path.join(project, "deno.json"), json!);
    const out = run(
      `import { mlp, staticProfile } from "@remat/core";
import { sqrt } from "@remat/strategies";
import { CpuBackend } from "@remat/cpu";
const chain = mlp({ depth: 4, width: 16, hidden: 32, classes: 3, inputs: 2 });
console.log(new CpuBackend().name, sqrt(staticProfile(chain, 8)).summary().predictedPeakBytes);
`,
      project,
      "main.ts",
    );
    assert.match(out, /^cpu \d+$/m);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});
