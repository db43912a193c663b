import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { checkWritable, CommandFailure, makeOutputDir, writeOutput } from "./output_file.ts";

test("writeOutput, makeOutputDir and checkWritable fail with one line naming the path and the reason", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "remat-out-"));
  try {
    const file = path.join(dir, "f");
    writeOutput(file, "x");
    assert.equal(readFileSync(file, "utf8"), "x");
    checkWritable(path.join(dir, "new.json"));
    makeOutputDir(path.join(dir, "a", "b"));
    writeFileSync(file, "a file, not a folder");
    const fails = (run: () => void, message: RegExp) =>
      assert.throws(
        run,
        (e: unknown) => e instanceof CommandFailure && !e.message.includes("\n") && message.test(e.message),
      );
    const missing = path.join(dir, "nope", "x.json");
    fails(
      () => writeOutput(missing, "x"),
      new RegExp(`^cannot write ${missing}: no such file or directory \\(ENOENT\\)$`),
    );
    fails(
      () => writeOutput(path.join(file, "x.json"), "x"),
      /^cannot write .*: not a directory \(ENOTDIR\)$/,
    );
    fails(() => makeOutputDir(path.join(file, "d")), /^cannot create .*f\/d: .*\(E[A-Z]+\)$/);
    fails(() => checkWritable(missing), /^cannot write .*x\.json: no such file or directory \(ENOENT\)$/);
    fails(() => checkWritable(path.join(file, "x.json")), /^cannot write .*x\.json: .*f is not a folder$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
