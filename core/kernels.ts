/**
 * The kernel table every backend implements: plain functions, no Effect, one entry per
 * forward and backward kernel. A backend's table is typed `KernelTable`, so a missing
 * kernel fails to compile. Shapes are checked by the ops in core before a kernel runs;
 * kernels allocate their outputs on their backend and never mutate inputs, except the
 * optimizer steps, which update their state in place, and the `inPlace` variants of the relu,
 * gelu and dropout backwards, which write over `dy` when the caller says it holds it alone.
 * @module
 */
import type { ConvGeometry } from "./ops/conv.ts";
import type { PoolGeometry } from "./ops/pool.ts";
import type { Shape, Tensor } from "./tensor.ts";

/** Operand layout for `matmul`. */
export interface MatmulOptions {
  /** Use `a` as stored `[K, M]`, transposed. Default false. */
  readonly transA?: boolean;
  /** Use `b` as stored `[N, K]`, transposed. Default false. */
  readonly transB?: boolean;
}

/** The activation a fused `linear` applies after the bias: none, relu, or gelu (tanh approximation). */
export type Activation = "none" | "relu" | "gelu";

/** Hyper-parameters of an SGD-with-momentum step. */
export interface SgdHyper {
  /** Learning rate. */
  readonly lr: number;
  /** Momentum μ. */
  readonly momentum: number;
  /** L2 weight decay added to the gradient. */
  readonly weightDecay: number;
}

/** Hyper-parameters of an AdamW step; `t` is the 1-based step count for bias correction. */
export interface AdamWHyper {
  /** Learning rate. */
  readonly lr: number;
  /** Decay of the first-moment estimate. */
  readonly beta1: number;
  /** Decay of the second-moment estimate. */
  readonly beta2: number;
  /** Added to the denominator for numerical stability. */
  readonly eps: number;
  /** Decoupled weight decay. */
  readonly weightDecay: number;
  /** The 1-based step count, for bias correction. */
  readonly t: number;
}

/** Signatures of every kernel. Reductions run in a fixed order so results are bit-stable. */
export interface KernelSignatures {
  /** c[M,N] = op(a)·op(b); a [M,K] (or [K,M] with transA), b [K,N] (or [N,K] with transB). */
  matmul(a: Tensor, b: Tensor, options: MatmulOptions): Tensor;
  /**
   * Fused linear layer in one pass over the output: z = x·w + bias, y = activation(z); x [M, K],
   * w [K, N], bias [N]. Bit for bit what `matmul`, `biasAdd` and the activation kernel give one
   * after another (z is rounded to f32 before the activation). `z` is returned, as a tensor of
   * its own, only for gelu (whose backward needs it); for none and relu it is null.
   */
  linear(x: Tensor, w: Tensor, bias: Tensor, activation: Activation): { y: Tensor; z: Tensor | null };
  /** c = a + b, same shapes. */
  add(a: Tensor, b: Tensor): Tensor;
  /** c = a ⊙ b, same shapes. */
  mul(a: Tensor, b: Tensor): Tensor;
  /** c = a − b, same shapes. */
  sub(a: Tensor, b: Tensor): Tensor;
  /** c = a / b, same shapes. */
  div(a: Tensor, b: Tensor): Tensor;
  /** y = s·x. */
  scale(x: Tensor, s: number): Tensor;
  /** y = x + t. */
  addScalar(x: Tensor, t: number): Tensor;
  /** y = eˣ. */
  exp(x: Tensor): Tensor;
  /** y = ln x (NaN for x < 0, −∞ at 0). */
  log(x: Tensor): Tensor;
  /** y = 1/(1 + e⁻ˣ), computed without overflow. */
  sigmoid(x: Tensor): Tensor;
  /** dx = dy · y(1 − y), from the output y. */
  sigmoidBackward(y: Tensor, dy: Tensor): Tensor;
  /** y = |x|. */
  abs(x: Tensor): Tensor;
  /** dx = dy · sign(x) (0 at x = 0, the documented subgradient). */
  absBackward(x: Tensor, dy: Tensor): Tensor;
  /**
   * Binary cross-entropy of logits z against targets t in [0, 1], elementwise and stable:
   * max(z, 0) − z·t + ln(1 + e^{−|z|}).
   */
  bceLogits(z: Tensor, t: Tensor): Tensor;
  /** dz = dy · (σ(z) − t). */
  bceLogitsBackward(z: Tensor, t: Tensor, dy: Tensor): Tensor;
  /**
   * y = Σ over axis `axis` of x, summed in ascending index order; y's shape is x's without the
   * axis, or [1] when nothing is left.
   */
  sumAxis(x: Tensor, axis: number): Tensor;
  /**
   * y of `shape`, each element the element of x at the same index with axis `axis` dropped
   * (x holds size(shape)/shape[axis] elements): the adjoint of `sumAxis`.
   */
  broadcastAxis(x: Tensor, shape: Shape, axis: number): Tensor;
  /** 2-D convolution, NCHW: x [N, C, H, W], w [K, C, kh, kw] → [N, K, Ho, Wo]; sums over (c, i, j) in order. */
  conv2d(x: Tensor, w: Tensor, g: ConvGeometry): Tensor;
  /** ∂x of conv2d, of shape `xShape`, each element gathered over (k, i, j) in order. */
  conv2dBackwardInput(dy: Tensor, w: Tensor, g: ConvGeometry, xShape: Shape): Tensor;
  /** ∂w of conv2d, of shape `wShape`, each element summed over (n, oh, ow) in order. */
  conv2dBackwardFilter(x: Tensor, dy: Tensor, g: ConvGeometry, wShape: Shape): Tensor;
  /**
   * Max pooling, NCHW: y [N, C, Ho, Wo] and argmax, i32 of y's shape, the flat index h·W + w in
   * its plane of each window's first maximum (row-major; padded positions never win).
   */
  maxPool2d(x: Tensor, g: PoolGeometry): { y: Tensor; argmax: Tensor };
  /** ∂x of max pooling, of shape `xShape`: each element gathers dy over the windows whose argmax it is. */
  maxPool2dBackward(dy: Tensor, argmax: Tensor, g: PoolGeometry, xShape: Shape): Tensor;
  /** Average pooling, NCHW: the window sum (in row-major order) divided by kernel². */
  avgPool2d(x: Tensor, g: PoolGeometry): Tensor;
  /** ∂x of average pooling, of shape `xShape`: Σ over the windows holding each element of dy/kernel². */
  avgPool2dBackward(dy: Tensor, g: PoolGeometry, xShape: Shape): Tensor;
  /**
   * Batch norm in training, channel axis 1 of x [N, C, ...]: y = (x − μ)·rstd·γ + β with the
   * per-channel mean μ and rstd = 1/√(var + eps) (biased variance), each summed over n, then
   * the remaining positions, in order; mean and rstd are [C].
   */
  batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): { y: Tensor; mean: Tensor; rstd: Tensor };
  /** Gradients of batch norm in training with respect to x, γ and β. */
  batchNormBackward(
    x: Tensor,
    gamma: Tensor,
    mean: Tensor,
    rstd: Tensor,
    dy: Tensor,
  ): { dx: Tensor; dgamma: Tensor; dbeta: Tensor };
  /** Batch norm in evaluation: y = (x − running mean)/√(running var + eps)·γ + β. */
  batchNormInference(
    x: Tensor,
    gamma: Tensor,
    beta: Tensor,
    mean: Tensor,
    variance: Tensor,
    eps: number,
  ): Tensor;
  /**
   * In place: running ← (1 − m)·running + m·batch for the mean and for the variance, the
   * batch variance unbiased (1/rstd² − eps, times count/(count − 1)).
   */
  batchNormUpdate(
    runningMean: Tensor,
    runningVar: Tensor,
    mean: Tensor,
    rstd: Tensor,
    o: { readonly eps: number; readonly momentum: number; readonly count: number },
  ): void;
  /** y[r, j] = x[r, j] + bias[j]; x [..., N], bias [N]. */
  biasAdd(x: Tensor, bias: Tensor): Tensor;
  /** s[j] = Σ_r x[r, j] over all leading rows, r ascending; x [..., N] → [N]. */
  sumRows(x: Tensor): Tensor;
  /** y = max(x, 0). */
  relu(x: Tensor): Tensor;
  /** dx = dy · [x > 0]; with `inPlace`, written over dy's buffer (returned as a new reference). */
  reluBackward(x: Tensor, dy: Tensor, inPlace?: boolean): Tensor;
  /** y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
  gelu(x: Tensor): Tensor;
  /** dx = dy · gelu'(x); with `inPlace`, written over dy's buffer (returned as a new reference). */
  geluBackward(x: Tensor, dy: Tensor, inPlace?: boolean): Tensor;
  /** y = tanh x. */
  tanh(x: Tensor): Tensor;
  /** dx = dy · (1 − y²). */
  tanhBackward(y: Tensor, dy: Tensor): Tensor;
  /** Softmax over the last dimension (max-subtracted). */
  softmax(x: Tensor): Tensor;
  /** dx = y ⊙ (dy − Σ_j dy·y) over the last dimension. */
  softmaxBackward(y: Tensor, dy: Tensor): Tensor;
  /** Layer norm over the last dimension: y = (x − μ)·rstd·γ + β; mean and rstd are [rows]. */
  layernorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): { y: Tensor; mean: Tensor; rstd: Tensor };
  /** Gradients of layernorm with respect to x, γ and β. */
  layernormBackward(
    x: Tensor,
    gamma: Tensor,
    mean: Tensor,
    rstd: Tensor,
    dy: Tensor,
  ): { dx: Tensor; dgamma: Tensor; dbeta: Tensor };
  /** y[..., :] = table[ids[...], :]; ids i32, table [V, D]. */
  embedding(ids: Tensor, table: Tensor): Tensor;
  /** dtable[v, :] = Σ over positions p with ids[p] = v of dy[p, :], p ascending. */
  embeddingBackward(ids: Tensor, dy: Tensor, vocab: number): Tensor;
  /** Swaps the last two dimensions into a new contiguous tensor. */
  transpose(x: Tensor): Tensor;
  /** y = x·keep/(1 − p), keep drawn by `random.ts` from (keyHash, element index). */
  dropout(x: Tensor, p: number, keyHash: number): Tensor;
  /**
   * dx = dy·keep/(1 − p), the same mask regenerated from the key; with `inPlace` (and
   * 0 < p < 1), written over dy's buffer (returned as a new reference).
   */
  dropoutBackward(dy: Tensor, p: number, keyHash: number, inPlace?: boolean): Tensor;
  /**
   * Multi-head self-attention core on q, k, v [B, T, D] with `heads` heads of D/heads:
   * out = softmax(q·kᵀ/√dh + causal mask)·v, heads concatenated; probs [B, H, T, T].
   */
  attention(q: Tensor, k: Tensor, v: Tensor, heads: number, causal: boolean): { out: Tensor; probs: Tensor };
  /** Gradients of attention with respect to q, k and v, from the saved probabilities. */
  attentionBackward(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    probs: Tensor,
    dout: Tensor,
    heads: number,
  ): { dq: Tensor; dk: Tensor; dv: Tensor };
  /** Mean cross-entropy of logits [N, C] against labels i32 [N]: loss [1] and softmax probs [N, C]. */
  crossEntropy(logits: Tensor, labels: Tensor): { loss: Tensor; probs: Tensor };
  /** dlogits = (probs − onehot(labels))·dloss/N. */
  crossEntropyBackward(probs: Tensor, labels: Tensor, dloss: Tensor): Tensor;
  /** In place: v = μv + g + λp; p −= lr·v. */
  sgdStep(param: Tensor, grad: Tensor, velocity: Tensor, hyper: SgdHyper): void;
  /** In place: AdamW with decoupled weight decay and bias correction. */
  adamwStep(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, hyper: AdamWHyper): void;
}

/** Name of a kernel. */
export type KernelName = keyof KernelSignatures;

/** A kernel by name. */
export type Kernel<K extends KernelName> = KernelSignatures[K];

/** The full table a backend provides. */
export type KernelTable = { readonly [K in KernelName]: Kernel<K> };

/**
 * One entry per kernel: an object literal typed `Record<KernelName, true>` fails to compile
 * when a kernel is missing from it, so the list below cannot fall behind the signatures.
 */
const KERNEL_SET: Readonly<Record<KernelName, true>> = {
  matmul: true,
  linear: true,
  add: true,
  mul: true,
  sub: true,
  div: true,
  scale: true,
  addScalar: true,
  exp: true,
  log: true,
  sigmoid: true,
  sigmoidBackward: true,
  abs: true,
  absBackward: true,
  bceLogits: true,
  bceLogitsBackward: true,
  sumAxis: true,
  broadcastAxis: true,
  conv2d: true,
  conv2dBackwardInput: true,
  conv2dBackwardFilter: true,
  maxPool2d: true,
  maxPool2dBackward: true,
  avgPool2d: true,
  avgPool2dBackward: true,
  batchNorm: true,
  batchNormBackward: true,
  batchNormInference: true,
  batchNormUpdate: true,
  biasAdd: true,
  sumRows: true,
  relu: true,
  reluBackward: true,
  gelu: true,
  geluBackward: true,
  tanh: true,
  tanhBackward: true,
  softmax: true,
  softmaxBackward: true,
  layernorm: true,
  layernormBackward: true,
  embedding: true,
  embeddingBackward: true,
  transpose: true,
  dropout: true,
  dropoutBackward: true,
  attention: true,
  attentionBackward: true,
  crossEntropy: true,
  crossEntropyBackward: true,
  sgdStep: true,
  adamwStep: true,
};

/** Every kernel name, derived from the kernel signatures, for conformance suites and error messages. */
export const KERNEL_NAMES: ReadonlyArray<KernelName> = Object.keys(KERNEL_SET) as KernelName[];
