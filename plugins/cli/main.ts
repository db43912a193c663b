/**
 * The `remat` program: `deno task remat <command> …` or `bun run plugins/cli/main.ts <command> …`.
 * @module
 */
import process from "node:process";
import { runCli } from "./cli.ts";

process.exitCode = await runCli(process.argv.slice(2));
