/**
 * A model module for `remat plan|profile|pareto --model plugins/cli/testdata/chain_module.ts`:
 * its default export is a function returning a small chain of mixed stages.
 * @module
 */
import { type Chain, sequential } from "@remat/core";

/** A chain of heterogeneous stages: linear, residual, layernorm, gelu-dropout, tanh, then the head. */
export default function chain(): Chain {
  return sequential({
    inputs: 6,
    layers: [
      { kind: "linear", out: 24 },
      { kind: "residual", hidden: 48 },
      { kind: "layernorm" },
      { kind: "residual", hidden: 96 },
      { kind: "gelu-dropout", p: 0 },
      { kind: "tanh", out: 16 },
      { kind: "residual", hidden: 32 },
    ],
    classes: 4,
  });
}
