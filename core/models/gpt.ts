/**
 * A small GPT: token + position embedding, pre-norm transformer blocks, a language-model head.
 * @module
 */
import type { Chain, ParamSpec, Stage } from "../chain.ts";
import { InvalidArgument } from "../errors.ts";
import type { Shape } from "../tensor.ts";
import { requirePositiveInt } from "./parts.ts";
import { crossEntropyLoss } from "../losses.ts";

/** Configuration of `gpt`. */
export interface GptConfig {
  /** Number of transformer blocks. */
  readonly layers: number;
  /** Width of the residual stream (a multiple of `heads`). */
  readonly dModel: number;
  /** Attention heads per block. */
  readonly heads: number;
  /** Tokens per example. */
  readonly seqLen: number;
  /** Vocabulary size (token ids are 0..vocab-1). */
  readonly vocab: number;
  /** Hidden width of each block's MLP; default 4·dModel. */
  readonly hidden?: number;
  /** Dropout on embeddings and residual branches; default 0. */
  readonly dropout?: number;
}

/**
 * A GPT chain: stages "embed", "block0".., "head"; input and target are token ids [B, T].
 *
 * @example
 * ```ts
 * import { gpt } from "@remat/core";
 * const chain = gpt({ layers: 2, dModel: 32, heads: 4, seqLen: 16, vocab: 64 });
 * console.log(chain.stages.map((s) => s.name)); // ["embed", "block0", "block1", "head"]
 * ```
 */
export function gpt(config: GptConfig): Chain {
  const { layers, dModel, heads, seqLen, vocab } = config;
  const hidden = config.hidden ?? 4 * dModel;
  const p = config.dropout ?? 0;
  for (const [name, v] of Object.entries({ layers, dModel, heads, seqLen, vocab, hidden })) {
    requirePositiveInt(name, v);
  }
  if (dModel % heads !== 0) {
    throw new InvalidArgument({ name: "heads", value: heads, expected: `a divisor of dModel=${dModel}` });
  }
  if (!(p >= 0 && p < 1)) {
    throw new InvalidArgument({ name: "dropout", value: p, expected: "a probability in [0, 1)" });
  }
  const stages: Stage[] = [embedStage(vocab, seqLen, dModel, p)];
  for (let i = 0; i < layers; i++) {
    stages.push(transformerBlock(`block${i}`, dModel, heads, hidden, layers, p));
  }
  stages.push(headStage(dModel, vocab));
  return {
    name: `gpt(layers=${layers}, dModel=${dModel}, heads=${heads}, seqLen=${seqLen}, vocab=${vocab})`,
    stages,
    loss: crossEntropyLoss,
    input: { shape: [seqLen], dtype: "i32" },
    target: { shape: [seqLen], dtype: "i32" },
    config: { model: "gpt", ...config, hidden, dropout: p },
  };
}

function normal(name: string, shape: Shape, std: number): ParamSpec {
  return { name, shape, init: { kind: "normal", std } };
}
function zeros(name: string, shape: Shape): ParamSpec {
  return { name, shape, init: { kind: "zeros" } };
}
function ones(name: string, shape: Shape): ParamSpec {
  return { name, shape, init: { kind: "ones" } };
}

function embedStage(vocab: number, seqLen: number, d: number, p: number): Stage {
  return {
    name: "embed",
    kind: "embedding",
    params: [normal("wte", [vocab, d], 0.02), normal("wpe", [seqLen, d], 0.01)],
    output: (s: Shape) => ({ shape: [...s, d], dtype: "f32" }),
    forward(ctx, ids, [wte, wpe]) {
      const [b = 1, t = 1] = ids.shape;
      if (t !== seqLen) {
        throw new InvalidArgument({ name: "sequence length", value: t, expected: `seqLen=${seqLen}` });
      }
      const tok = ctx.reshape(ctx.embedding(ids, wte!), [b, t * d]);
      const x = ctx.biasAdd(tok, ctx.reshape(wpe!, [t * d]));
      return ctx.dropout(ctx.reshape(x, [b, t, d]), p);
    },
  };
}

function transformerBlock(
  name: string,
  d: number,
  heads: number,
  hidden: number,
  layers: number,
  p: number,
): Stage {
  const std = 0.02;
  const proj = 0.02 / Math.sqrt(2 * layers);
  return {
    name,
    kind: "transformer-block",
    params: [
      ones("ln1.g", [d]),
      zeros("ln1.b", [d]),
      normal("wq", [d, d], std),
      zeros("bq", [d]),
      normal("wk", [d, d], std),
      zeros("bk", [d]),
      normal("wv", [d, d], std),
      zeros("bv", [d]),
      normal("wo", [d, d], proj),
      zeros("bo", [d]),
      ones("ln2.g", [d]),
      zeros("ln2.b", [d]),
      normal("w1", [d, hidden], std),
      zeros("b1", [hidden]),
      normal("w2", [hidden, d], proj),
      zeros("b2", [d]),
    ],
    output: (s: Shape) => ({ shape: s, dtype: "f32" }),
    forward(ctx, x, w) {
      const [g1, c1, wq, bq, wk, bk, wv, bv, wo, bo, g2, c2, w1, b1, w2, b2] = w as never[];
      const n1 = ctx.layernorm(x, g1, c1);
      const att = ctx.attention(ctx.linear(n1, wq, bq), ctx.linear(n1, wk, bk), ctx.linear(n1, wv, bv), {
        heads,
        causal: true,
      });
      const h = ctx.add(x, ctx.dropout(ctx.linear(att, wo, bo), p));
      const n2 = ctx.layernorm(h, g2, c2);
      const m = ctx.linear(ctx.linear(n2, w1, b1, "gelu"), w2, b2);
      return ctx.add(h, ctx.dropout(m, p));
    },
  };
}

function headStage(d: number, vocab: number): Stage {
  return {
    name: "head",
    kind: "lm-head",
    params: [ones("lnf.g", [d]), zeros("lnf.b", [d]), normal("w", [d, vocab], 0.02), zeros("b", [vocab])],
    output: (s: Shape) => ({ shape: [...s.slice(0, -1), vocab], dtype: "f32" }),
    forward: (ctx, x, [g, c, w, b]) => ctx.linear(ctx.layernorm(x, g!, c!), w!, b!),
  };
}
