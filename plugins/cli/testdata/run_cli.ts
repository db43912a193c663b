/**
 * Test support: runs the CLI in-process, capturing what it prints.
 * @module
 */
import process from "node:process";
import { runCli } from "../cli.ts";

/** What one run of the CLI did. */
export interface CliRun {
  /** The exit status. */
  readonly status: number;
  /** Everything written to stdout. */
  readonly out: string;
  /** Everything written to stderr through console.error. */
  readonly err: string;
}

/** Runs the CLI on `argv`, capturing console.log, console.error and process.stdout.write. */
export async function run(...argv: string[]): Promise<CliRun> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  const stdoutWrite = process.stdout.write;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  (process.stdout as { write: unknown }).write = (s: string) => (out.push(String(s)), true);
  try {
    const status = await runCli(argv);
    return { status, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
    (process.stdout as { write: unknown }).write = stdoutWrite;
  }
}
