/**
 * A user's own model for `remat plan|profile|pareto --model path/to/module.ts`: the module is
 * imported (relative to the current folder) and its `default` or `chain` export, a Chain or a
 * function returning one, is checked field by field, so a wrong module is one clear line.
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { type Chain, isRematError } from "@remat/core";
import { UsageError } from "./args.ts";
import { CommandFailure } from "./output_file.ts";

/** What a model module must export, for error messages. */
export const MODULE_EXPECTED =
  "a default or `chain` export that is a Chain of @remat/core (name, stages, loss, input.shape, target.shape; e.g. from sequential() or mlp()) or a function returning one";

/** Why `value` is not a chain, or undefined when it is one. */
function notAChain(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return `it is ${value === null ? "null" : typeof value}`;
  const c = value as Partial<Record<keyof Chain, unknown>>;
  if (!Array.isArray(c.stages)) return "it has no stages array";
  if (c.stages.length === 0) return "its stages array is empty";
  const bad = c.stages.findIndex((s: unknown) => {
    const st = s as Record<string, unknown> | null;
    return typeof st?.name !== "string" || typeof st.output !== "function" ||
      typeof st.forward !== "function" || !Array.isArray(st.params);
  });
  if (bad >= 0) return `stages[${bad}] is not a stage (name, params, output(), forward())`;
  const loss = c.loss as { forward?: unknown } | undefined;
  if (typeof loss?.forward !== "function") return "it has no loss (an object with forward())";
  const input = c.input as { shape?: unknown; dtype?: unknown } | undefined;
  const positive = (s: unknown) => Array.isArray(s) && s.every((d) => Number.isInteger(d) && d > 0);
  if (!positive(input?.shape)) return "it has no input shape (input.shape: positive integers)";
  if (input!.dtype !== "f32" && input!.dtype !== "i32") {
    return `its input.dtype is ${JSON.stringify(input!.dtype)}, expected "f32" or "i32"`;
  }
  const target = c.target as { shape?: unknown } | undefined;
  if (!Array.isArray(target?.shape) || !target.shape.every((d) => Number.isInteger(d) && d > 0)) {
    return "it has no target shape (target.shape: positive integers, [] for one class id)";
  }
  return undefined;
}

/** The first line of an error's message. */
function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}

/**
 * Imports the model module at `file` and returns its chain.
 * @param file the module's path, relative to the current folder (or absolute)
 * @throws UsageError naming the path and what was expected: no such file, an import that
 * fails, no `default` or `chain` export, or an export that is not a chain
 * @example
 * ```ts
 * const chain = await loadChainModule("plugins/cli/testdata/chain_module.ts");
 * ```
 */
export async function loadChainModule(file: string): Promise<Chain> {
  const absolute = path.resolve(process.cwd(), file);
  const fail = (why: string) => new UsageError(`--model ${file}: ${why}`);
  if (!existsSync(absolute)) {
    throw fail(`no such file (looked for ${absolute}); expected a module with ${MODULE_EXPECTED}`);
  }
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(absolute).href);
  } catch (e) {
    throw fail(`cannot import it: ${firstLine(e)}`);
  }
  const name = mod.default !== undefined ? "default" : mod.chain !== undefined ? "chain" : undefined;
  if (name === undefined) {
    const has = Object.keys(mod);
    throw fail(
      `no default or chain export (it exports ${
        has.length ? has.join(", ") : "nothing"
      }); expected ${MODULE_EXPECTED}`,
    );
  }
  let value = mod[name];
  if (typeof value === "function") {
    try {
      value = await (value as () => unknown)();
    } catch (e) {
      throw fail(`its ${name} export threw: ${firstLine(e)}`);
    }
  }
  const why = notAChain(value);
  if (why !== undefined) throw fail(`the ${name} export is not a chain: ${why}; expected ${MODULE_EXPECTED}`);
  const chain = value as Chain;
  return typeof chain.name === "string" ? chain : { ...chain, name: path.basename(file) };
}

/**
 * Runs `run` (sync or async) on a user's chain, turning an error its code throws (other than
 * remat's typed errors and the CLI's own) into one line naming the module, exit status 1.
 * @param file the module's path as given
 * @param run what to do with the chain
 * @example
 * ```ts
 * const profile = inModule("my_model.ts", () => staticProfile(chain, 16));
 * ```
 */
export function inModule<T>(file: string, run: () => T): T {
  const rethrow = (e: unknown): never => {
    if (e instanceof UsageError || e instanceof CommandFailure || isRematError(e)) throw e;
    throw new CommandFailure(`--model ${file}: the chain failed: ${firstLine(e)}`);
  };
  try {
    const result = run();
    return (result instanceof Promise ? result.catch(rethrow) : result) as T;
  } catch (e) {
    return rethrow(e);
  }
}
