/**
 * Progress bars for long CLI work, drawn by the `cli-progress` package (on stderr; in a log
 * that is not a terminal it prints a line every few seconds instead of redrawing).
 * @module
 */
import process from "node:process";
import cliProgress from "cli-progress";

/** A bar that can be advanced with a free-form status text. */
export interface Progress {
  /** Shows `done` steps finished, with a status text. */
  update(done: number, status?: string): void;
  /** Ends the bar (idempotent). */
  stop(): void;
}

/**
 * Starts a bar of `total` steps labelled `label`.
 * @example
 * ```ts
 * const bar = startProgress("train", 100);
 * bar.update(10, "loss 1.02");
 * bar.stop();
 * ```
 */
export function startProgress(label: string, total: number): Progress {
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {value}/{total} {status}`,
    barsize: 24,
    hideCursor: true,
    stream: process.stderr,
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 5000,
    clearOnComplete: false,
  }, cliProgress.Presets.legacy);
  bar.start(total, 0, { status: "" });
  return {
    update: (done, status = "") => bar.update(done, { status }),
    stop: () => bar.stop(),
  };
}
