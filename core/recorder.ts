/**
 * The recorder a stage's forward runs against: it applies ops, keeps a tape when recording,
 * owns every intermediate until the stage ends, and hands out dropout keys per call site.
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Activation, MatmulOptions } from "./kernels.ts";
import type { AttentionAttrs } from "./ops/attention.ts";
import type { Conv2dAttrs } from "./ops/conv.ts";
import type { Pool2dAttrs } from "./ops/pool.ts";
import type { BatchNormOptions } from "./ops/batch_norm.ts";
import { OPS } from "./ops/registry.ts";
import { checkInputs, type Op } from "./ops/op.ts";
import { sumAxes } from "./ops/reduce.ts";
import { keyHash } from "./random.ts";
import { partialTape } from "./partial_tape.ts";
import { Tape, type TapeNode } from "./tape.ts";
import type { TapePolicy } from "./tape_policy.ts";
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

/** Options of a {@link Recorder}. */
export interface RecorderOptions {
  /** Keep a tape for the backward. */
  readonly record: boolean;
  /** Where dropout masks are keyed. */
  readonly key: RecorderKey;
  /** Training mode (default true); false for evaluation, where dropout is the identity. */
  readonly training?: boolean;
  /** Let ops update their state in this forward (default false; a step sets it on a stage's first forward). */
  readonly updatesState?: boolean;
  /** What a recorded tape keeps (see tape_policy.ts); default the whole tape. */
  readonly policy?: TapePolicy;
}

/**
 * Applies ops for one stage forward, recording a tape if asked.
 *
 * @example
 * ```ts
 * import { Recorder } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const ctx = new Recorder(backend, { record: true, key: { seed: 0, step: 0, stage: 0 } });
 * const x = backend.upload(new Float32Array([1, -2, 3]), [1, 3], "f32");
 * const { output, tape } = ctx.finish(ctx.relu(x), x);
 * console.log(await backend.read(output), tape?.nodes.length); // Float32Array [1, 0, 3], 1
 * ```
 */
export class Recorder {
  readonly #nodes: TapeNode[] = [];
  readonly #owned: Tensor[] = [];
  #site = 0;

  /** Whether a tape is kept. */
  readonly recording: boolean;
  /** Where dropout masks are keyed. */
  readonly key: RecorderKey;
  /** False in evaluation: dropout is the identity, batch norm uses its running statistics. */
  readonly training: boolean;
  /** True on a stage's first forward of a training step: ops update their state (running statistics). */
  readonly updatesState: boolean;
  /** What a recorded tape keeps; undefined: the whole tape. */
  readonly policy: TapePolicy | undefined;

  /** A recorder running ops on `backend`. */
  constructor(readonly backend: Backend, options: RecorderOptions) {
    this.recording = options.record;
    this.key = options.key;
    this.training = options.training ?? true;
    this.updatesState = this.training && (options.updatesState ?? false);
    this.policy = options.policy;
  }

  /**
   * Applies `op` to `inputs`; the result is owned by the recorder until `finish`.
   * @throws InvalidArgument or DTypeMismatch when the inputs do not match the op's declared ones
   */
  apply<A>(op: Op<A>, inputs: ReadonlyArray<Tensor>, attrs: A): Tensor {
    checkInputs(op, inputs);
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
    // a partial tape takes its references first: it may keep intermediates only the recorder holds
    const tape = !this.recording
      ? null
      : this.policy === undefined
      ? new Tape(this.#nodes, output, input)
      : partialTape(this.#nodes, output, input, this.policy);
    for (const t of this.#owned) t.release();
    this.#owned.length = 0;
    return { output, tape };
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
  /**
   * Dropout with probability p; the identity when p = 0 or in evaluation. The mask is keyed by
   * (seed, step, stage, site).
   */
  dropout(x: Tensor, p: number): Tensor {
    const site = this.#site++;
    if (p === 0 || !this.training) return x;
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
  /** 2-D convolution of x [N, C, H, W] with filters w [K, C, kh, kw] (NCHW; stride, padding, dilation). */
  conv2d(x: Tensor, w: Tensor, attrs: Conv2dAttrs = {}): Tensor {
    return this.apply(OPS.conv2d, [x, w], attrs);
  }
  /** Max pooling of x [N, C, H, W] over kernel×kernel windows (stride default kernel, zero padding). */
  maxPool2d(x: Tensor, attrs: Pool2dAttrs): Tensor {
    return this.apply(OPS.maxPool2d, [x], { ...attrs, inputShape: x.shape });
  }
  /** Average pooling of x [N, C, H, W] over kernel×kernel windows (padded zeros count). */
  avgPool2d(x: Tensor, attrs: Pool2dAttrs): Tensor {
    return this.apply(OPS.avgPool2d, [x], { ...attrs, inputShape: x.shape });
  }
  /**
   * Batch norm over the channel axis of x [N, C, ...] with scale γ, shift β and the running
   * statistics (stage parameters declared `state: true`), updated once per training step.
   */
  batchNorm(
    x: Tensor,
    [gamma, beta, runningMean, runningVar]: readonly [Tensor, Tensor, Tensor, Tensor],
    options: BatchNormOptions = {},
  ): Tensor {
    return this.apply(OPS.batchNorm, [x, gamma, beta, runningMean, runningVar], {
      ...options,
      training: this.training,
      update: this.updatesState,
    });
  }
  /** The mean of each channel of x [N, C, H, W] over H and W: [N, C]. */
  globalAvgPool(x: Tensor): Tensor {
    const [n, c, h, w] = x.shape;
    return this.mean(this.reshape(x, [n!, c!, h! * w!]), [2]);
  }
  /** c = a − b, same shapes. */
  sub(a: Tensor, b: Tensor): Tensor {
    return this.apply(OPS.sub, [a, b], undefined);
  }
  /** c = a / b, same shapes. */
  div(a: Tensor, b: Tensor): Tensor {
    return this.apply(OPS.div, [a, b], undefined);
  }
  /** y = s·x for a number s. */
  scale(x: Tensor, s: number): Tensor {
    return this.apply(OPS.scale, [x], { value: s });
  }
  /** y = x + t for a number t. */
  addScalar(x: Tensor, t: number): Tensor {
    return this.apply(OPS.addScalar, [x], { value: t });
  }
  /** y = eˣ. */
  exp(x: Tensor): Tensor {
    return this.apply(OPS.exp, [x], undefined);
  }
  /** y = ln x. */
  log(x: Tensor): Tensor {
    return this.apply(OPS.log, [x], undefined);
  }
  /** y = 1/(1 + e⁻ˣ). */
  sigmoid(x: Tensor): Tensor {
    return this.apply(OPS.sigmoid, [x], undefined);
  }
  /** y = |x|. */
  abs(x: Tensor): Tensor {
    return this.apply(OPS.abs, [x], undefined);
  }
  /** Elementwise binary cross-entropy of logits against f32 targets in [0, 1] (stable). */
  bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
    return this.apply(OPS.bceWithLogits, [logits, targets], undefined);
  }
  /**
   * Σ over `axes` (negative counts from the end; default all), in a fixed order. The result
   * drops the axes; summing every axis gives a scalar [1].
   */
  sum(x: Tensor, axes?: ReadonlyArray<number>): Tensor {
    return this.apply(OPS.sum, [x], { axes: sumAxes(x.shape, axes), inputShape: x.shape });
  }
  /** The mean over `axes` (default all): `sum` scaled by 1 / (elements summed per output). */
  mean(x: Tensor, axes?: ReadonlyArray<number>): Tensor {
    const summed = sumAxes(x.shape, axes).reduce((n, a) => n * x.shape[a]!, 1);
    return this.scale(this.sum(x, axes), 1 / summed);
  }
  /**
   * A constant for this forward (a target weight, a mask): uploaded as temporary memory,
   * owned by the recorder and released with the stage's other intermediates (or with the
   * tape, if an op keeps it for its backward).
   */
  constant(data: Float32Array | Int32Array, shape: Shape): Tensor {
    const dtype = data instanceof Int32Array ? "i32" : "f32";
    const t = this.backend.upload(data as never, shape, dtype, "temporary");
    this.#owned.push(t);
    return t;
  }
}
