/**
 * Every kernel, run twice on the same inputs, gives bit-identical fresh outputs, leaves its
 * inputs untouched (optimizer state aside) and releases to zero live bytes.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { KERNEL_NAMES, type KernelName, type Tensor } from "@remat/core";
import { assertSameBits, type MakeBackend, Rng, type Scope, withBackend } from "./_harness.ts";

/** A kernel call on fixed inputs; `run` returns its outputs (already owned by the scope). */
interface Case {
  readonly inputs: ReadonlyArray<Tensor>;
  readonly run: () => ReadonlyArray<Tensor>;
}

const M = 19, N = 23, K = 17;
/** A strided, padded convolution: x [2, 3, 9, 8] and w [4, 3, 3, 3] give [2, 4, 5, 4]. */
const CONV = { stride: 2, padding: 1, dilation: 1 } as const;
/** A padded, overlapping pooling window: x [2, 3, 9, 8] gives [2, 3, 5, 4]. */
const POOL = { kernel: 3, stride: 2, padding: 1 } as const;
const B = 2, T = 7, D = 6, H = 2;

/** Builds every kernel's case; typed by kernel name so a kernel without one fails to compile. */
function cases(s: Scope, r: Rng): { readonly [K in KernelName]: () => Case } {
  const x = () => s.f32(r.values(M * N, -3, 3), [M, N]);
  const one = (f: (a: Tensor) => Tensor): () => Case => () => {
    const a = x();
    return { inputs: [a], run: () => [s.own(f(a))] };
  };
  const two = (f: (a: Tensor, b: Tensor) => Tensor): () => Case => () => {
    const a = x(), b = x();
    return { inputs: [a, b], run: () => [s.own(f(a, b))] };
  };
  const k = s.bk.kernels;
  const qkv = () => [0, 1, 2].map(() => s.f32(r.values(B * T * D), [B, T, D]));
  const ids = () => s.i32(r.ints(M, 11), [M]);
  const labels = () => s.i32(r.ints(M, N), [M]);
  return {
    matmul: () => {
      const a = s.f32(r.values(M * K), [M, K]), b = s.f32(r.values(K * N), [K, N]);
      return { inputs: [a, b], run: () => [s.own(k.matmul(a, b, {}))] };
    },
    linear: () => {
      const a = s.f32(r.values(M * K), [M, K]), w = s.f32(r.values(K * N), [K, N]);
      const b = s.f32(r.values(N), [N]);
      return {
        inputs: [a, w, b],
        run: () =>
          (["none", "relu", "gelu"] as const).flatMap((act) => {
            const { y, z } = k.linear(a, w, b, act);
            return s.own(z === null ? [y] : [y, z]);
          }),
      };
    },
    add: two(k.add),
    mul: two(k.mul),
    scale: one((a) => k.scale(a, 0.37)),
    sub: two(k.sub),
    div: two(k.div),
    addScalar: one((a) => k.addScalar(a, 0.37)),
    exp: one(k.exp),
    log: one((a) => k.log(s.own(k.abs(a)))),
    sigmoid: one(k.sigmoid),
    sigmoidBackward: two(k.sigmoidBackward),
    abs: one(k.abs),
    absBackward: two(k.absBackward),
    bceLogits: two(k.bceLogits),
    bceLogitsBackward: () => {
      const z = x(), t = x(), dy = x();
      return { inputs: [z, t, dy], run: () => [s.own(k.bceLogitsBackward(z, t, dy))] };
    },
    sumAxis: one((a) => k.sumAxis(a, 0)),
    conv2d: () => {
      const a = s.f32(r.values(2 * 3 * 9 * 8), [2, 3, 9, 8]), w = s.f32(r.values(4 * 27), [4, 3, 3, 3]);
      return { inputs: [a, w], run: () => [s.own(k.conv2d(a, w, CONV))] };
    },
    conv2dBackwardInput: () => {
      const dy = s.f32(r.values(2 * 4 * 5 * 4), [2, 4, 5, 4]), w = s.f32(r.values(4 * 27), [4, 3, 3, 3]);
      return { inputs: [dy, w], run: () => [s.own(k.conv2dBackwardInput(dy, w, CONV, [2, 3, 9, 8]))] };
    },
    batchNorm: () => {
      const a = s.f32(r.values(2 * 3 * 9 * 8, -2, 3), [2, 3, 9, 8]), g = s.f32(r.values(3), [3]);
      const b = s.f32(r.values(3), [3]);
      return { inputs: [a, g, b], run: () => s.own(Object.values(k.batchNorm(a, g, b, 1e-5))) };
    },
    batchNormBackward: () => {
      const a = s.f32(r.values(2 * 3 * 9 * 8, -2, 3), [2, 3, 9, 8]), g = s.f32(r.values(3), [3]);
      const dy = s.f32(r.values(2 * 3 * 9 * 8), [2, 3, 9, 8]);
      const f = k.batchNorm(a, g, s.f32(r.values(3), [3]), 1e-5);
      s.own([f.y, f.mean, f.rstd]);
      return {
        inputs: [a, g, f.mean, f.rstd, dy],
        run: () => s.own(Object.values(k.batchNormBackward(a, g, f.mean, f.rstd, dy))),
      };
    },
    batchNormInference: () => {
      const a = s.f32(r.values(2 * 3 * 9 * 8), [2, 3, 9, 8]);
      const [g, b, m, v] = [
        s.f32(r.values(3), [3]),
        s.f32(r.values(3), [3]),
        s.f32(r.values(3), [3]),
        s.f32(r.values(3, 0.5, 2), [3]),
      ];
      return { inputs: [a, g, b, m, v], run: () => [s.own(k.batchNormInference(a, g, b, m, v, 1e-5))] };
    },
    batchNormUpdate: () => {
      const f = k.batchNorm(
        s.f32(r.values(2 * 3 * 9 * 8), [2, 3, 9, 8]),
        s.f32(r.values(3), [3]),
        s.f32(r.values(3), [3]),
        1e-5,
      );
      s.own([f.y, f.mean, f.rstd]);
      const [m0, v0] = [r.values(3), r.values(3, 0.5, 2)];
      const run = () => {
        const m = s.f32(m0, [3]), v = s.f32(v0, [3]);
        k.batchNormUpdate(m, v, f.mean, f.rstd, { eps: 1e-5, momentum: 0.1, count: 144 });
        return [m, v];
      };
      return { inputs: [f.mean, f.rstd], run };
    },
    maxPool2d: () => {
      const a = s.f32(r.values(2 * 3 * 9 * 8), [2, 3, 9, 8]);
      return { inputs: [a], run: () => s.own(Object.values(k.maxPool2d(a, POOL))) };
    },
    maxPool2dBackward: () => {
      const a = s.f32(r.values(2 * 3 * 9 * 8), [2, 3, 9, 8]),
        dy = s.f32(r.values(2 * 3 * 5 * 4), [2, 3, 5, 4]);
      const { y, argmax } = k.maxPool2d(a, POOL);
      s.own([y, argmax]);
      return {
        inputs: [dy, argmax],
        run: () => [s.own(k.maxPool2dBackward(dy, argmax, POOL, [2, 3, 9, 8]))],
      };
    },
    avgPool2d: () => {
      const a = s.f32(r.values(2 * 3 * 9 * 8), [2, 3, 9, 8]);
      return { inputs: [a], run: () => [s.own(k.avgPool2d(a, POOL))] };
    },
    avgPool2dBackward: () => {
      const dy = s.f32(r.values(2 * 3 * 5 * 4), [2, 3, 5, 4]);
      return { inputs: [dy], run: () => [s.own(k.avgPool2dBackward(dy, POOL, [2, 3, 9, 8]))] };
    },
    conv2dBackwardFilter: () => {
      const a = s.f32(r.values(2 * 3 * 9 * 8), [2, 3, 9, 8]),
        dy = s.f32(r.values(2 * 4 * 5 * 4), [2, 4, 5, 4]);
      return { inputs: [a, dy], run: () => [s.own(k.conv2dBackwardFilter(a, dy, CONV, [4, 3, 3, 3]))] };
    },
    broadcastAxis: () => {
      const a = s.f32(r.values(N), [N]);
      return { inputs: [a], run: () => [s.own(k.broadcastAxis(a, [M, N], 0))] };
    },
    biasAdd: () => {
      const a = x(), b = s.f32(r.values(N), [N]);
      return { inputs: [a, b], run: () => [s.own(k.biasAdd(a, b))] };
    },
    sumRows: one(k.sumRows),
    relu: one(k.relu),
    reluBackward: two(k.reluBackward),
    gelu: one(k.gelu),
    geluBackward: two(k.geluBackward),
    tanh: one(k.tanh),
    tanhBackward: two(k.tanhBackward),
    softmax: one(k.softmax),
    softmaxBackward: two(k.softmaxBackward),
    layernorm: () => {
      const a = x(), g = s.f32(r.values(N), [N]), b = s.f32(r.values(N), [N]);
      return { inputs: [a, g, b], run: () => s.own(Object.values(k.layernorm(a, g, b, 1e-5))) };
    },
    layernormBackward: () => {
      const a = x(), g = s.f32(r.values(N), [N]), b = s.f32(r.values(N), [N]), dy = x();
      const { y, mean, rstd } = k.layernorm(a, g, b, 1e-5);
      s.own([y, mean, rstd]);
      const run = () => s.own(Object.values(k.layernormBackward(a, g, mean, rstd, dy)));
      return { inputs: [a, g, mean, rstd, dy], run };
    },
    embedding: () => {
      const i = ids(), table = s.f32(r.values(11 * N), [11, N]);
      return { inputs: [i, table], run: () => [s.own(k.embedding(i, table))] };
    },
    embeddingBackward: () => {
      const i = ids(), dy = x();
      return { inputs: [i, dy], run: () => [s.own(k.embeddingBackward(i, dy, 11))] };
    },
    transpose: one(k.transpose),
    dropout: one((a) => k.dropout(a, 0.3, 99)),
    dropoutBackward: one((a) => k.dropoutBackward(a, 0.3, 99)),
    attention: () => {
      const [q, kk, v] = qkv();
      return { inputs: [q, kk, v], run: () => s.own(Object.values(k.attention(q, kk, v, H, true))) };
    },
    attentionBackward: () => {
      const [q, kk, v] = qkv(), dout = qkv()[0];
      const { out, probs } = k.attention(q, kk, v, H, true);
      s.own([out, probs]);
      const run = () => s.own(Object.values(k.attentionBackward(q, kk, v, probs, dout, H)));
      return { inputs: [q, kk, v, probs, dout], run };
    },
    crossEntropy: () => {
      const a = x(), l = labels();
      return { inputs: [a, l], run: () => s.own(Object.values(k.crossEntropy(a, l))) };
    },
    crossEntropyBackward: () => {
      const probs = s.own(k.softmax(x())), l = labels(), dl = s.f32([1.5], [1]);
      return { inputs: [probs, l, dl], run: () => [s.own(k.crossEntropyBackward(probs, l, dl))] };
    },
    sgdStep: () => {
      const [p, g, v] = [r.values(M * N), r.values(M * N), r.values(M * N)];
      const grad = s.f32(g, [M, N]);
      const run = () => {
        const tp = s.f32(p, [M, N]), tv = s.f32(v, [M, N]);
        k.sgdStep(tp, grad, tv, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
        return [tp, tv];
      };
      return { inputs: [grad], run };
    },
    adamwStep: () => {
      const [p, g, m, v] = [r.values(M * N), r.values(M * N), r.values(M * N), r.values(M * N, 0, 1)];
      const grad = s.f32(g, [M, N]);
      const run = () => {
        const [tp, tm, tv] = [p, m, v].map((a) => s.f32(a, [M, N]));
        k.adamwStep(tp, grad, tm, tv, {
          lr: 1e-3,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: 0.01,
          t: 3,
        });
        return [tp, tm, tv];
      };
      return { inputs: [grad], run };
    },
  };
}

/** Registers one determinism test per kernel. */
export function determinismTests(make: MakeBackend): void {
  for (const name of KERNEL_NAMES) {
    test(`${name} is bit-identical on repeated calls, keeps its inputs and frees to zero`, () =>
      withBackend(make, (scoped) =>
        scoped(async (s) => {
          const c = cases(s, new Rng(0x5eed ^ name.length))[name]();
          const inputsBefore = await Promise.all(c.inputs.map((t) => s.bits(t)));
          const first = c.run(), second = c.run();
          assert.equal(first.length, second.length);
          for (const out of [...first, ...second]) {
            assert.ok(
              !c.inputs.some((t) => t.storage === out.storage),
              `${name} returned an input's storage`,
            );
          }
          for (let i = 0; i < first.length; i++) {
            assertSameBits(await s.bits(first[i]), await s.bits(second[i]), `${name} output ${i}`);
          }
          for (let i = 0; i < c.inputs.length; i++) {
            assertSameBits(await s.bits(c.inputs[i]), inputsBefore[i], `${name} input ${i} (mutated)`);
          }
        })));
  }
}
