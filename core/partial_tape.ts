/**
 * Partial tapes: a recorded stage keeps only what its tape policy names, and its backward
 * re-runs the ops whose saved tensors were dropped, with the very same kernels and attributes
 * on the very same inputs — so the gradients are the bits a whole tape gives.
 *
 * What is kept: tensors no op of the stage produced (the stage input, parameters, constants),
 * and everything the policy's ops produced (their outputs and saved tensors). A node must be
 * re-run when it produced a dropped tensor that some node's backward saves, or that a re-run
 * node takes as input (the closure, found backwards in one pass). The tape then holds the kept
 * tensors that the backward rules or the re-runs read, nothing else.
 * @module
 */
import { type Replay, Tape, type TapeNode } from "./tape.ts";
import { keptOps, type TapePolicy } from "./tape_policy.ts";
import type { Tensor } from "./tensor.ts";

/**
 * A tape of `nodes` (whose saved tensors the recorder retained) keeping only what `policy`
 * names; the other saved references are released. `saveAll` gives the whole tape.
 * @example
 * ```ts
 * const tape = partialTape(nodes, output, x, "saveMatmuls");
 * ```
 */
export function partialTape(
  nodes: ReadonlyArray<TapeNode>,
  output: Tensor,
  input: Tensor | null,
  policy: TapePolicy,
): Tape {
  const keep = keptOps(policy);
  if (keep === "all") return new Tape(nodes, output, input);
  // which node produced each tensor: as its output, or as a saved tensor that is not an input
  const producer = new Map<Tensor, number>();
  nodes.forEach((n, k) => {
    producer.set(n.out, k);
    for (const t of n.saved) if (!n.inputs.includes(t) && !producer.has(t)) producer.set(t, k);
  });
  const kept = (t: Tensor) => {
    const p = producer.get(t);
    return p === undefined || keep.has(nodes[p]!.op.name);
  };
  const rerun = new Set<number>();
  const need = (t: Tensor) => {
    if (!kept(t)) rerun.add(producer.get(t)!);
  };
  for (const n of nodes) for (const t of n.saved) need(t);
  // a re-run node's dropped inputs come from re-running their producers, which precede it
  for (let k = nodes.length - 1; k >= 0; k--) if (rerun.has(k)) { for (const t of nodes[k]!.inputs) need(t); }
  const held = new Set<Tensor>();
  nodes.forEach((n, k) => {
    if (rerun.has(k)) {
      for (const t of n.inputs) if (kept(t)) held.add(t);
    } else {
      for (const t of n.saved) if (kept(t)) held.add(t);
    }
  });
  for (const t of held) t.retain();
  for (const n of nodes) for (const t of n.saved) t.release();
  const replay: Replay = { rerun: [...rerun].sort((a, b) => a - b), held: [...held] };
  return new Tape(nodes, output, input, replay);
}
