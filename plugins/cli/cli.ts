/**
 * The `remat` command line: dispatches to a command, prints `--help` for every command, and
 * turns any mistake into one clear line on stderr and a non-zero exit status (2 for a usage
 * mistake, 1 for a failure such as an infeasible budget).
 * @module
 */
import { isRematError } from "@remat/core";
import { UsageError } from "./args.ts";
import type { Command } from "./command.ts";
import { CommandFailure } from "./output_file.ts";
import { benchCommand } from "./commands/bench.ts";
import { paretoCommand } from "./commands/pareto.ts";
import { planCommand } from "./commands/plan.ts";
import { profileCommand } from "./commands/profile.ts";
import { trainCommand } from "./commands/train.ts";

/** Every command, in the order `remat --help` lists them. */
export const COMMANDS: ReadonlyArray<Command> = [
  planCommand,
  trainCommand,
  profileCommand,
  benchCommand,
  paretoCommand,
];

function usage(program: string): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: ${program} <command> [options]   (${program} <command> --help for its options)

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}`;
}

/** A message on one line (parseArgs writes some over three). */
function oneLine(message: string): string {
  return message.split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
}

/** Options of {@link runCli}. */
export interface CliOptions {
  /** How the program is invoked, for usage lines; default "remat". */
  readonly program?: string;
}

/**
 * Runs one command line and resolves with its exit status.
 * @param argv the arguments after the program name, command first
 * @example
 * ```ts
 * const status = await runCli(["plan", "--preset", "reference-mlp", "--strategy", "sqrt"]);
 * ```
 */
export async function runCli(argv: ReadonlyArray<string>, options: CliOptions = {}): Promise<number> {
  const program = options.program ?? "remat";
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage(program));
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(
      `${program}: unknown command "${name}"; expected one of ${COMMANDS.map((c) => c.name).join(", ")}`,
    );
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help.replace(/^usage: remat/, `usage: ${program}`));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (e instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) {
      console.error(`${program} ${name}: ${oneLine((e as Error).message)} (see --help)`);
      return 2;
    }
    if (isRematError(e) || e instanceof CommandFailure) {
      console.error(`${program} ${name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
