/**
 * The model of `plan`, `profile` and `pareto`: a built-in one from the model options, a user's
 * module (`--model path/to/module.ts`, with `--batch`), or for planning a saved profile
 * (`--profile FILE`), each refusing the options that do not apply to it.
 * @module
 */
import { type Chain, type Profile, staticProfile } from "@remat/core";
import { intOption, rejectFlags, UsageError, type Values } from "./args.ts";
import { checkModelFits, modelBytes, SIZE_LIMITS } from "./model_limits.ts";
import { inModule, loadChainModule } from "./model_module.ts";
import {
  buildModel,
  GPT_FLAGS,
  looksLikeModulePath,
  MLP_FLAGS,
  MODEL_KINDS,
  MODEL_OPTIONS,
  RESNET_FLAGS,
} from "./model_options.ts";
import { loadProfile } from "./profile_file.ts";

/** Help lines of `--model FILE`. */
export const MODULE_HELP =
  `  --model FILE        your own chain: a module (a path with a "/", or ending in .ts, .js or
                      .mjs, relative to the current folder) whose default or \`chain\` export
                      is a Chain of @remat/core, or a function returning one; --batch N sets
                      the batch (default 16), and the size options and --preset do not apply`;

/** A chain and the batch to plan or profile it at. */
export interface ChainSetup {
  /** The model. */
  readonly chain: Chain;
  /** Examples per step. */
  readonly batch: number;
  /** The module's path, for a user's chain. */
  readonly module?: string;
}

/**
 * The chain the model options describe: a user's module or a built-in model.
 * @throws UsageError for a bad option, a bad module, or an option that does not apply
 * @example
 * ```ts
 * const { chain, batch } = await loadChain({ model: "plugins/cli/testdata/chain_module.ts", batch: "8" });
 * ```
 */
export async function loadChain(values: Values): Promise<ChainSetup> {
  const model = values.model === undefined ? undefined : String(values.model);
  if (model === undefined || MODEL_KINDS.includes(model)) {
    const { chain, batch } = buildModel(values);
    return { chain, batch };
  }
  if (!looksLikeModulePath(model)) {
    throw new UsageError(
      `--model: got "${model}"; expected mlp, gpt, resnet or a module path such as ./my_model.ts`,
    );
  }
  rejectFlags(values, ["preset", ...new Set([...MLP_FLAGS, ...GPT_FLAGS, ...RESNET_FLAGS])], {
    because: `--model ${model} builds its own chain (only --batch applies to a model module)`,
  });
  const batch = intOption(values, "batch", 16, { max: SIZE_LIMITS.batch });
  const chain = await loadChainModule(model);
  inModule(model, () => modelBytes(chain, batch));
  checkModelFits(chain, batch, { what: `--model ${model} (${chain.name})` });
  return { chain, batch, module: model };
}

/**
 * The profile to plan from: the saved one of `--profile FILE` (no model options apply), else
 * the static profile of the model the options describe.
 * @throws UsageError for a bad option or file, or a model option given with --profile
 * @example
 * ```ts
 * const profile = await planningProfile({ depth: "4", width: "16" });
 * ```
 */
export async function planningProfile(values: Values): Promise<Profile> {
  if (values.profile !== undefined) {
    rejectFlags(values, Object.keys(MODEL_OPTIONS), {
      because: `--profile ${values.profile} already fixes the model and batch`,
    });
    return loadProfile(String(values.profile));
  }
  const { chain, batch, module } = await loadChain(values);
  return module === undefined
    ? staticProfile(chain, batch)
    : inModule(module, () => staticProfile(chain, batch));
}
