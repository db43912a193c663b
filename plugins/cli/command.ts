/**
 * What a CLI command is: a name, a one-line summary for `remat --help`, its own `--help`
 * text, and a run function from its arguments to an exit status.
 * @module
 */

/** One `remat` command. */
export interface Command {
  /** What follows `remat` on the command line. */
  readonly name: string;
  /** One line for `remat --help`. */
  readonly summary: string;
  /** The command's `--help` text. */
  readonly help: string;
  /** Runs the command on its arguments; resolves with the exit status. */
  run(args: ReadonlyArray<string>): Promise<number>;
}
