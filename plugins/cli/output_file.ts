/**
 * Writing a command's output files: a path that cannot be written (a missing folder, a path
 * inside a file, no permission) is one line naming the path and the reason, exit status 1.
 * @module
 */
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** A command that could not finish for a reason other than a usage mistake: one line, exit status 1. */
export class CommandFailure extends Error {
  /** Tells it apart from usage mistakes and remat's typed errors. */
  readonly _tag = "CommandFailure";
}

/** "no such file or directory (ENOENT)" from Node's "ENOENT: no such file or directory, open '/x'". */
function reasonOf(e: unknown): string {
  const message = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
  const m = /^([A-Z][A-Z0-9_]+): (.*?)(?:, \w+ '.*')?$/.exec(message);
  return m ? `${m[2]} (${m[1]})` : message;
}

/**
 * Writes `text` to `path`.
 * @param path where to write
 * @param text what to write
 * @throws CommandFailure "cannot write <path>: <reason>"
 * @example
 * ```ts
 * writeOutput("plan.json", JSON.stringify({ peak: 1 }));
 * ```
 */
export function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new CommandFailure(`cannot write ${path}: ${reasonOf(e)}`);
  }
}

/**
 * Creates the folder `dir` (and its parents) for output files.
 * @param dir the folder
 * @throws CommandFailure "cannot create <dir>: <reason>"
 * @example
 * ```ts
 * makeOutputDir("bench");
 * ```
 */
export function makeOutputDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new CommandFailure(`cannot create ${dir}: ${reasonOf(e)}`);
  }
}

/**
 * Checks, before a long run, that a file could be created at `path`: its folder exists, is a
 * folder, and may be written to.
 * @param path the file to be written later
 * @throws CommandFailure "cannot write <path>: <reason>"
 * @example
 * ```ts
 * checkWritable("profile.json");
 * ```
 */
export function checkWritable(path: string): void {
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) {
      throw new CommandFailure(`cannot write ${path}: ${dir} is not a folder`);
    }
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof CommandFailure) throw e;
    throw new CommandFailure(`cannot write ${path}: ${reasonOf(e)}`);
  }
}
