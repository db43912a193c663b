/**
 * The recorder a stage's forward runs against: it applies ops, keeps a tape when recording,
 * owns every intermediate until the stage ends, and hands out dropout keys per call site.
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Activation, MatmulOptions } from "./kernels.ts";
import type { AttentionAttrs } from "./ops/attention.ts";
import { OPS } from "./ops/registry.ts";
import type { Op } from "./ops/op.ts";
import { keyHash } from "./random.ts";
import { Tape, type TapeNode } from "./tape.ts";
import type { Shape, Tensor } from "./tensor.ts";

/** Where dropout masks come from: (seed, step, stage); the site is counted per call. */
export interface RecorderKey {
  /** The training seed. */
  readonly seed: number;
  /** The training step. */
  readonly step: number;
  /** The stage index. */
  readonly stage: number;
}

/**
 * Applies ops for one stage forward, recording a tape if asked.
 *
 * @example
 * ```ts
 * import { Recorder } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const ctx = new Recorder(backend, true, { seed: 0, step: 0, stage: 0 });
 * const x = backend.upload(new Float32Array([1, -2, 3]), [1, 3], "f32");
 * const { output, tape } = ctx.finish(ctx.relu(x), x);
 * console.log(await backend.read(output), tape?.nodes.length); // Float32Array [1, 0, 3], 1
 * ```
 */
export class Recorder {
  readonly #nodes: TapeNode[] = [];
  readonly #owned: Tensor[] = [];
  #site = 0;

  /** A recorder running ops on `backend`, keeping a tape when `recording`, keying dropout by `key`. */
  constructor(
    readonly backend: Backend,
    readonly recording: boolean,
    readonly key: RecorderKey,
  ) {}

  /** Applies `op` to `inputs`; the result is owned by the recorder until `finish`. */
  apply<A>(op: Op<A>, inputs: ReadonlyArray<Tensor>, attrs: A): Tensor {
    const { out, saved, aux } = op.forward(this.backend, inputs, attrs);
    if (this.recording) {
      for (const t of saved) t.retain();
      this.#nodes.push({ op, attrs, inputs, out, saved });
    }
    for (const t of aux) t.release();
    this.#owned.push(out);
    return out;
  }

  /**
   * Ends the forward: releases intermediates, hands `output` (owned) and the tape over.
   * `input` is the stage input, remembered by the tape for its backward.
   */
  finish(output: Tensor, input: Tensor | null = null): { output: Tensor; tape: Tape | null } {
    output.retain();
    for (const t of this.#owned) t.release();
    this.#owned.length = 0;
    return { output, tape: this.recording ? new Tape(this.#nodes, output, input) : null };
  }

  /** Drops everything this forward made or kept (after a failure part-way through). */
  abort(): void {
    for (const node of this.#nodes) for (const t of node.saved) t.release();
    this.#nodes.length = 0;
    for (const t of this.#owned) t.release();
    this.#owned.length = 0;
  }

  /** c = op(a)·op(b). */
  matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
    return this.apply(OPS.matmul, [a, b], options);
  }
  /** activation(x·W + bias) for x [..., in], W [in, out], bias [out], as one fused op. */
  linear(x: Tensor, w: Tensor, bias: Tensor, activation: Activation = "none"): Tensor {
    return this.apply(OPS.linear, [x, w, bias], { activation });
  }
  /** c = a + b, same shapes. */
  add(a: Tensor, b: Tensor): Tensor {
    return this.apply(OPS.add, [a, b], undefined);
  }
  /** y = x + bias along the last dimension. */
  biasAdd(x: Tensor, bias: Tensor): Tensor {
    return this.apply(OPS.biasAdd, [x, bias], undefined);
  }
  /** c = a ⊙ b, same shapes. */
  mul(a: Tensor, b: Tensor): Tensor {
    return this.apply(OPS.mul, [a, b], undefined);
  }
  /** y = max(x, 0). */
  relu(x: Tensor): Tensor {
    return this.apply(OPS.relu, [x], undefined);
  }
  /** y = gelu(x) (tanh approximation). */
  gelu(x: Tensor): Tensor {
    return this.apply(OPS.gelu, [x], undefined);
  }
  /** y = tanh x. */
  tanh(x: Tensor): Tensor {
    return this.apply(OPS.tanh, [x], undefined);
  }
  /** Softmax over the last dimension. */
  softmax(x: Tensor): Tensor {
    return this.apply(OPS.softmax, [x], undefined);
  }
  /** Layer norm over the last dimension with scale `gamma` and shift `beta`. */
  layernorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
    return this.apply(OPS.layernorm, [x, gamma, beta], { eps });
  }
  /** Rows of `table` picked by the integer `ids`. */
  embedding(ids: Tensor, table: Tensor): Tensor {
    return this.apply(OPS.embedding, [ids, table], undefined);
  }
  /** The same elements under another shape of equal size. */
  reshape(x: Tensor, shape: Shape): Tensor {
    return this.apply(OPS.reshape, [x], { shape });
  }
  /** Swaps the last two dimensions. */
  transpose(x: Tensor): Tensor {
    return this.apply(OPS.transpose, [x], undefined);
  }
  /** Dropout with probability p; identity when p = 0. The mask is keyed by (seed, step, stage, site). */
  dropout(x: Tensor, p: number): Tensor {
    const site = this.#site++;
    if (p === 0) return x;
    return this.apply(OPS.dropout, [x], { p, keyHash: keyHash({ ...this.key, site }) });
  }
  /** Multi-head self-attention of q, k, v (each [B, T, d]). */
  attention(q: Tensor, k: Tensor, v: Tensor, attrs: AttentionAttrs): Tensor {
    return this.apply(OPS.attention, [q, k, v], attrs);
  }
  /** Mean cross-entropy of `logits` against integer `labels`: a scalar [1]. */
  crossEntropy(logits: Tensor, labels: Tensor): Tensor {
    return this.apply(OPS.crossEntropy, [logits, labels], undefined);
  }
}
