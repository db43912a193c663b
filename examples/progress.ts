/**
 * A one-line progress bar for terminal programs: redrawn in place on a TTY, printed every
 * tenth of the way otherwise (CI logs stay short).
 * @module
 */
import process from "node:process";

/**
 * Draws `label [####....] i/n suffix`.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "@remat/examples";
 * const bar = new ProgressBar(100, "train");
 * for (let i = 1; i <= 100; i++) bar.update(i, `loss ${(1 / i).toFixed(3)}`);
 * bar.done();
 * ```
 */
export class ProgressBar {
  readonly #tty: boolean;
  #lastTenth = -1;
  /** A bar for `total` units, prefixed by `label`, `width` characters wide. */
  constructor(readonly total: number, readonly label: string, readonly width = 24) {
    this.#tty = Boolean(process.stderr.isTTY);
  }

  /** Shows progress `done` of `total` with a free-form suffix. */
  update(done: number, suffix = ""): void {
    const frac = this.total === 0 ? 1 : done / this.total;
    const filled = Math.round(frac * this.width);
    const line = `${this.label} [${"#".repeat(filled)}${
      ".".repeat(this.width - filled)
    }] ${done}/${this.total} ${suffix}`;
    if (this.#tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
    } else {
      const tenth = Math.floor(frac * 10);
      if (tenth !== this.#lastTenth || done === this.total) {
        this.#lastTenth = tenth;
        process.stderr.write(`${line}\n`);
      }
    }
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.#tty) process.stderr.write("\n");
  }
}
