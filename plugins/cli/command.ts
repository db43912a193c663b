/**
 * What a CLI command is: a name, a one-line summary for `remat --help`, its own `--help`
 * text, and a run function from its arguments to an exit status.
 * @module
 */

/** One `remat` command. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  run(args: ReadonlyArray<string>): Promise<number>;
}
