/**
 * Runs a bundled script with the same Deno under a time limit, its output saved to a log.
 * @module
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import process from "node:process";

/** How a child run ended. */
export interface ChildRun {
  /** Exit status; null when it was killed. */
  readonly status: number | null;
  readonly timedOut: boolean;
  readonly seconds: number;
  /** The last lines of its output. */
  readonly tail: string;
}

/**
 * Runs `deno <args>` (this process's own executable), kills it after `seconds`, and writes
 * its stdout and stderr to `log`.
 * @example
 * ```ts
 * const r = runDeno(["test", "-A", "suites.js"], { seconds: 300, log: "out/suites.log" });
 * ```
 */
export function runDeno(
  args: ReadonlyArray<string>,
  options: { readonly seconds: number; readonly log: string },
): ChildRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...args], {
    timeout: Math.max(1000, Math.floor(options.seconds * 1000)),
    killSignal: "SIGKILL",
    maxBuffer: 64 * 1024 * 1024,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  writeFileSync(options.log, output);
  const timedOut = r.signal === "SIGKILL" || (r.error as { code?: string } | undefined)?.code === "ETIMEDOUT";
  return {
    status: r.status,
    timedOut,
    seconds: (performance.now() - t0) / 1000,
    tail: output.trimEnd().split("\n").slice(-8).join("\n"),
  };
}
