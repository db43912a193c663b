/**
 * Tape policies: which tensors a recorded stage keeps for its backward, op by op, in the
 * spirit of PyTorch's selective activation checkpointing and JAX's `checkpoint` policies.
 *
 * - `saveAll`: the whole tape (what `forward i record` keeps without a policy);
 * - `saveNothing`: only the stage's input; the backward first re-runs every op whose saved
 *   tensors it needs;
 * - `saveMatmuls`: the outputs (and saved tensors) of matmul, linear and conv2d ops — the
 *   expensive ones — and the stage input; the cheap rest (element-wise, softmax, norms,
 *   dropout) is recomputed;
 * - `save:<op>,<op>…`: the same for the ops named.
 *
 * A policy is a string so that plans stay plain data.
 * @module
 */
import { InvalidArgument } from "./errors.ts";

/** A tape policy's name: `saveAll`, `saveNothing`, `saveMatmuls` or `save:<op>[,<op>…]`. */
export type TapePolicy = string;

/** The ops `saveMatmuls` keeps. */
export const MATMUL_OPS: ReadonlyArray<string> = ["matmul", "linear", "conv2d"];

/** The named policies, in the order modes are listed. */
export const NAMED_POLICIES: ReadonlyArray<TapePolicy> = ["saveAll", "saveMatmuls", "saveNothing"];

/**
 * The ops whose products a policy keeps, or "all" for `saveAll`.
 * @throws InvalidArgument for a name that is not a policy
 * @example
 * ```ts
 * import { keptOps } from "@remat/core";
 * keptOps("saveMatmuls"); // Set { "matmul", "linear", "conv2d" }
 * keptOps("save:attention,linear"); // Set { "attention", "linear" }
 * ```
 */
export function keptOps(policy: TapePolicy): ReadonlySet<string> | "all" {
  if (policy === "saveAll") return "all";
  if (policy === "saveNothing") return new Set();
  if (policy === "saveMatmuls") return new Set(MATMUL_OPS);
  const m = /^save:([A-Za-z0-9_.-]+(?:,[A-Za-z0-9_.-]+)*)$/.exec(policy);
  if (m) return new Set(m[1]!.split(","));
  throw new InvalidArgument({
    name: "policy",
    value: policy,
    expected: 'saveAll, saveNothing, saveMatmuls or "save:<op>[,<op>…]"',
  });
}
