/**
 * Cross-field rules of plan and job requests, shared by the request schemas (which apply
 * them after every field is valid) and `checkRequest`.
 * @module
 */
import { Formatter } from "effect";
import type { DataSpec, PlanRequest } from "./job_types.ts";

/** One broken cross-field rule: where, what is valid, and the value seen (formatted). */
export interface CrossIssue {
  readonly path: ReadonlyArray<string>;
  readonly expected: string;
  readonly got: string;
}

/**
 * The rules that tie fields together, checked once every field is valid on its own: a GPT's
 * heads divide its width and it reads text; an MLP reads spirals (2 inputs) or teacher data;
 * uniform's `every` is within the model's stages; revolve has a slot; budget has exactly one
 * of bytes and fraction.
 * @example
 * ```ts
 * crossIssues({ model: { kind: "gpt", layers: 2, dModel: 64, heads: 5, seqLen: 32 }, strategy: { name: "sqrt" }, batch: 8 });
 * // [{ path: ["model", "heads"], expected: "a divisor of dModel = 64", got: "5" }]
 * ```
 */
export function crossIssues(req: PlanRequest & { readonly data?: DataSpec }): CrossIssue[] {
  const out: CrossIssue[] = [];
  const add = (path: string, expected: string, got: unknown) =>
    out.push({ path: path.split("."), expected, got: Formatter.format(got) });
  const { model: m, strategy: s, data } = req;
  if (m.kind === "gpt") {
    if (m.dModel % m.heads !== 0) add("model.heads", `a divisor of dModel = ${m.dModel}`, m.heads);
    if (data && data.kind !== "text") add("data.kind", `"text" for a gpt model`, data.kind);
  } else {
    if (data?.kind === "text") {
      add("data.kind", `"spirals" or "teacher" for an mlp model ("text" is for gpt)`, data.kind);
    }
    if (data?.kind === "spirals" && m.inputs !== 2) {
      add("model.inputs", "2 for spirals data (its points are 2-D)", m.inputs);
    }
  }
  const stages = (m.kind === "gpt" ? m.layers : m.depth) + 2;
  if (s.name === "uniform" && !(Number.isInteger(s.every) && s.every >= 1 && s.every <= stages)) {
    add("strategy.every", `an integer in 1..${stages} (the model's stages)`, s.every);
  }
  if (s.name === "revolve" && !(Number.isInteger(s.slots) && s.slots >= 1)) {
    add("strategy.slots", "an integer ≥ 1", s.slots);
  }
  if (s.name === "budget" && (s.bytes === undefined) === (s.fraction === undefined)) {
    add("strategy", `exactly one of "bytes" or "fraction"`, s);
  }
  return out;
}
