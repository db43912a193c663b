/**
 * The meta backend: every kernel allocates exactly the outputs a real backend allocates,
 * with the right shapes, and computes nothing. Running a plan on it measures the plan's
 * memory with the very accountant and code path a real run uses, so a plan's predicted
 * peak is the real one, byte for byte.
 * @module
 */
import type { Backend } from "./backend.ts";
import type { KernelTable } from "./kernels.ts";
import { conv2dShape } from "./ops/conv.ts";
import { pool2dShape } from "./ops/pool.ts";
import { checkUserKernelCall, type UserKernel, type UserKernelCall } from "./user_kernel.ts";
import { MemoryAccountant, type MemoryKind } from "./memory.ts";
import { type DType, type HostArray, reducedShape, type Shape, sizeOf, Storage, Tensor } from "./tensor.ts";

/**
 * A backend that only allocates: for memory prediction and planning.
 *
 * @example
 * ```ts
 * import { MetaBackend } from "@remat/core";
 * const meta = new MetaBackend();
 * const t = meta.alloc([128, 64], "f32", "activation");
 * console.log(meta.memory.activationLive); // 32768
 * t.release();
 * ```
 */
export class MetaBackend implements Backend {
  readonly name = "meta";
  readonly device = "shapes only (no data)";
  readonly memory: MemoryAccountant = new MemoryAccountant();
  readonly kernels: KernelTable;
  /** Names of the user kernels run on this backend so far (what a real backend will need). */
  readonly usedKernels: Set<string> = new Set();

  constructor() {
    this.kernels = metaKernels(this);
  }

  alloc(shape: Shape, dtype: DType, kind: MemoryKind = this.memory.defaultKind): Tensor {
    return new Tensor(shape, dtype, new Storage(null, sizeOf(shape) * 4, kind, this.memory, noop));
  }

  upload<D extends DType>(_data: HostArray<D>, shape: Shape, dtype: D, kind?: MemoryKind): Tensor {
    return this.alloc(shape, dtype, kind);
  }

  read(t: Tensor): Promise<Float32Array | Int32Array> {
    return Promise.resolve(t.dtype === "f32" ? new Float32Array(t.size) : new Int32Array(t.size));
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  canRun(_kernel: UserKernel): boolean {
    return true;
  }

  runUserKernel(kernel: UserKernel, _inputs: ReadonlyArray<Tensor>, call: UserKernelCall): Tensor {
    checkUserKernelCall(kernel.name, call);
    this.usedKernels.add(kernel.name);
    return this.alloc(call.shape, "f32");
  }

  dispose(): void {}
}

function noop(): void {}

function metaKernels(b: MetaBackend): KernelTable {
  const f32 = (shape: Shape) => b.alloc(shape, "f32");
  const like = (t: Tensor) => f32(t.shape);
  const last = (t: Tensor) => t.shape[t.shape.length - 1]!;
  const rows = (t: Tensor) => t.size / last(t);
  return {
    matmul: (a, w, o) => f32([o.transA ? a.shape[1]! : a.shape[0]!, o.transB ? w.shape[0]! : w.shape[1]!]),
    add: like,
    mul: like,
    sub: like,
    div: like,
    scale: like,
    addScalar: like,
    exp: like,
    log: like,
    sigmoid: like,
    sigmoidBackward: (_y, dy) => like(dy),
    abs: like,
    absBackward: (_x, dy) => like(dy),
    bceLogits: like,
    bceLogitsBackward: (_z, _t, dy) => like(dy),
    sumAxis: (x, axis) => f32(reducedShape(x.shape, axis)),
    broadcastAxis: (_x, shape) => f32(shape),
    conv2d: (x, w, g) => f32(conv2dShape(x.shape, w.shape, g)),
    conv2dBackwardInput: (_dy, _w, _g, xShape) => f32(xShape),
    conv2dBackwardFilter: (_x, _dy, _g, wShape) => f32(wShape),
    maxPool2d: (x, g) => ({
      y: f32(pool2dShape(x.shape, g)),
      argmax: b.alloc(pool2dShape(x.shape, g), "i32"),
    }),
    maxPool2dBackward: (_dy, _argmax, _g, xShape) => f32(xShape),
    avgPool2d: (x, g) => f32(pool2dShape(x.shape, g)),
    avgPool2dBackward: (_dy, _g, xShape) => f32(xShape),
    batchNorm: (x, gamma) => ({ y: like(x), mean: like(gamma), rstd: like(gamma) }),
    batchNormBackward: (x, gamma) => ({ dx: like(x), dgamma: like(gamma), dbeta: like(gamma) }),
    batchNormInference: like,
    batchNormUpdate: () => {},
    biasAdd: like,
    linear: (x, w, _b, act) => {
      const z = act === "gelu" ? f32([x.shape[0]!, w.shape[1]!]) : null;
      return { y: f32([x.shape[0]!, w.shape[1]!]), z };
    },
    sumRows: (x) => f32([last(x)]),
    relu: like,
    reluBackward: (_x, dy, inPlace) => (inPlace ? dy.retain() : like(dy)),
    gelu: like,
    geluBackward: (_x, dy, inPlace) => (inPlace ? dy.retain() : like(dy)),
    tanh: like,
    tanhBackward: (_y, dy) => like(dy),
    softmax: like,
    softmaxBackward: (_y, dy) => like(dy),
    layernorm: (x) => ({ y: like(x), mean: f32([rows(x)]), rstd: f32([rows(x)]) }),
    layernormBackward: (x, gamma) => ({ dx: like(x), dgamma: like(gamma), dbeta: like(gamma) }),
    embedding: (ids, table) => f32([...ids.shape, table.shape[1]!]),
    embeddingBackward: (_ids, dy, vocab) => f32([vocab, last(dy)]),
    transpose: (x) => f32([...x.shape.slice(0, -2), last(x), x.shape[x.shape.length - 2]!]),
    dropout: like,
    dropoutBackward: (dy, p, _key, inPlace) => (inPlace && p > 0 && p < 1 ? dy.retain() : like(dy)),
    attention: (q, _k, _v, heads) => ({
      out: like(q),
      probs: f32([q.shape[0]!, heads, q.shape[1]!, q.shape[1]!]),
    }),
    attentionBackward: (q, k, v) => ({ dq: like(q), dk: like(k), dv: like(v) }),
    crossEntropy: (logits) => ({ loss: f32([1]), probs: like(logits) }),
    crossEntropyBackward: (probs) => like(probs),
    sgdStep: () => {},
    adamwStep: () => {},
  };
}
