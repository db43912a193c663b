/**
 * Progress bars for long CLI work: on a terminal, drawn by the `cli-progress` package (on
 * stderr); in a log that is not a terminal, a plain line at most every few seconds, written
 * from `update` itself, so that it appears even while the work blocks the event loop (the
 * package's own no-TTY mode prints from a timer, which synchronous work never lets run).
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

/** Where progress goes: stderr by default; `isTTY` picks the redrawn bar. */
export interface ProgressSink {
  /** True for a terminal: the bar is redrawn in place; otherwise lines are written. */
  readonly isTTY?: boolean;
  /** Writes text as it is (lines carry their own newline). */
  write(text: string): unknown;
}

/** Seconds between lines when the sink is not a terminal. */
export const LOG_LINE_SECONDS = 5;

/**
 * Starts a bar of `total` steps labelled `label`.
 * @param sink where to write (default stderr)
 * @param now the clock, ms (default `performance.now`)
 * @example
 * ```ts
 * const bar = startProgress("train", 100);
 * bar.update(10, "loss 1.02");
 * bar.stop();
 * ```
 */
export function startProgress(
  label: string,
  total: number,
  sink: ProgressSink = process.stderr,
  now: () => number = () => performance.now(),
): Progress {
  return sink.isTTY ? terminalBar(label, total, sink) : logLines(label, total, sink, now);
}

function terminalBar(label: string, total: number, sink: ProgressSink): Progress {
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {value}/{total} {status}`,
    barsize: 24,
    hideCursor: true,
    stream: sink as NodeJS.WritableStream,
    clearOnComplete: false,
  }, cliProgress.Presets.legacy);
  bar.start(total, 0, { status: "" });
  return {
    update: (done, status = "") => bar.update(done, { status }),
    stop: () => bar.stop(),
  };
}

/** `label done/total status` lines: the first update, then at most one per LOG_LINE_SECONDS, and the last. */
function logLines(label: string, total: number, sink: ProgressSink, now: () => number): Progress {
  let last = -Infinity, done = 0, status = "", printed = -1, stopped = false;
  const print = () => {
    sink.write(`${label} ${done}/${total}${status ? ` ${status}` : ""}\n`);
    (last = now()), (printed = done);
  };
  return {
    update(d, s = "") {
      if (stopped) return;
      (done = d), (status = s);
      if (now() - last >= LOG_LINE_SECONDS * 1000 || done === total) print();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (printed !== done) print();
    },
  };
}
