/**
 * Backend agreement: every kernel, and whole training steps, computed on a candidate backend
 * and on the reference backend from the same host inputs must agree within a stated
 * tolerance. Reductions may run in another (fixed) order on the candidate, so results are
 * close, not bit-equal; dropout masks come from the shared counter-based generator and must
 * be the same elements exactly.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type Backend,
  type Chain,
  gpt,
  initParams,
  type KernelName,
  mlp,
  releaseParams,
  type Shape,
  sizeOf,
  storeAllPlan,
  type Tensor,
} from "@remat/core";
import { assertClose, type MakeBackend, Rng } from "./_harness.ts";
import { hostStep, randomBatch } from "./step_helpers.ts";

/** Kernel outputs may differ by reduction order: |a − r| ≤ 1e-5·max(1, max|r|) + 2e-4·|r|. */
export const KERNEL_AGREEMENT_TOL = { rel: 2e-4, abs: 1e-5, scaled: true } as const;

/** A whole step's loss and gradients: |a − r| ≤ 1e-4·max(1, max|r|) + 1e-3·|r|. */
export const STEP_AGREEMENT_TOL = { rel: 1e-3, abs: 1e-4, scaled: true } as const;

/** Host inputs of one case, uploaded identically to each backend. */
interface Inputs {
  f32(shape: Shape, lo?: number, hi?: number): Tensor;
  i32(shape: Shape, bound: number): Tensor;
}

/** One kernel call on a backend; returns the tensors to compare (inputs mutated in place included). */
type Case = (bk: Backend, inp: Inputs) => Tensor[];

const mm = (m: number, n: number, k: number, transA: boolean, transB: boolean): Case => (bk, i) => [
  bk.kernels.matmul(i.f32(transA ? [k, m] : [m, k]), i.f32(transB ? [n, k] : [k, n]), { transA, transB }),
];

/** The cases per kernel: every kernel of the table appears at least once. */
const CASES: Record<KernelName, ReadonlyArray<Case>> = {
  matmul: [
    mm(5, 7, 9, false, false),
    mm(33, 17, 70, false, true),
    mm(9, 66, 31, true, false),
    mm(20, 3, 65, true, true),
  ],
  linear: (["none", "relu", "gelu"] as const).map((act) => (bk: Backend, i: Inputs) => {
    const { y, z } = bk.kernels.linear(i.f32([33, 70]), i.f32([70, 17]), i.f32([17]), act);
    return z === null ? [y] : [y, z];
  }),
  add: [(bk, i) => [bk.kernels.add(i.f32([3, 5, 7]), i.f32([3, 5, 7]))]],
  mul: [(bk, i) => [bk.kernels.mul(i.f32([3, 5, 7]), i.f32([3, 5, 7]))]],
  scale: [(bk, i) => [bk.kernels.scale(i.f32([4, 9]), -1.7)]],
  sub: [(bk, i) => [bk.kernels.sub(i.f32([3, 5, 7]), i.f32([3, 5, 7]))]],
  div: [(bk, i) => [bk.kernels.div(i.f32([3, 5, 7]), i.f32([3, 5, 7], 0.5, 2))]],
  addScalar: [(bk, i) => [bk.kernels.addScalar(i.f32([4, 9]), 2.5)]],
  exp: [(bk, i) => [bk.kernels.exp(i.f32([200], -8, 8))]],
  log: [(bk, i) => [bk.kernels.log(i.f32([200], 0.01, 50))]],
  sigmoid: [(bk, i) => [bk.kernels.sigmoid(i.f32([200], -30, 30))]],
  sigmoidBackward: [(bk, i) => [bk.kernels.sigmoidBackward(i.f32([200], 0, 1), i.f32([200]))]],
  abs: [(bk, i) => [bk.kernels.abs(i.f32([200], -5, 5))]],
  absBackward: [(bk, i) => [bk.kernels.absBackward(i.f32([200], -5, 5), i.f32([200]))]],
  bceLogits: [(bk, i) => [bk.kernels.bceLogits(i.f32([200], -30, 30), i.f32([200], 0, 1))]],
  bceLogitsBackward: [
    (bk, i) => [bk.kernels.bceLogitsBackward(i.f32([200], -30, 30), i.f32([200], 0, 1), i.f32([200]))],
  ],
  conv2d: [{ stride: 1, padding: 1, dilation: 1 }, { stride: 2, padding: 0, dilation: 2 }].map(
    (g) => (bk: Backend, i: Inputs) => [bk.kernels.conv2d(i.f32([2, 3, 9, 8]), i.f32([4, 3, 3, 3]), g)],
  ),
  conv2dBackwardInput: [(bk, i) => [
    bk.kernels.conv2dBackwardInput(i.f32([2, 4, 5, 4]), i.f32([4, 3, 3, 3]), {
      stride: 2,
      padding: 1,
      dilation: 1,
    }, [
      2,
      3,
      9,
      8,
    ]),
  ]],
  conv2dBackwardFilter: [(bk, i) => [
    bk.kernels.conv2dBackwardFilter(i.f32([2, 3, 9, 8]), i.f32([2, 4, 5, 4]), {
      stride: 2,
      padding: 1,
      dilation: 1,
    }, [
      4,
      3,
      3,
      3,
    ]),
  ]],
  maxPool2d: [{ kernel: 2, stride: 2, padding: 0 }, { kernel: 3, stride: 2, padding: 1 }].map(
    (g) => (bk: Backend, i: Inputs) => Object.values(bk.kernels.maxPool2d(i.f32([2, 3, 9, 8]), g)),
  ),
  maxPool2dBackward: [(bk, i) => {
    const g = { kernel: 3, stride: 2, padding: 1 };
    const { y, argmax } = bk.kernels.maxPool2d(i.f32([2, 3, 9, 8]), g);
    y.release();
    return [bk.kernels.maxPool2dBackward(i.f32([2, 3, 5, 4]), argmax, g, [2, 3, 9, 8]), argmax];
  }],
  avgPool2d: [(bk, i) => [bk.kernels.avgPool2d(i.f32([2, 3, 9, 8]), { kernel: 3, stride: 2, padding: 1 })]],
  avgPool2dBackward: [(bk, i) => [
    bk.kernels.avgPool2dBackward(i.f32([2, 3, 5, 4]), { kernel: 3, stride: 2, padding: 1 }, [2, 3, 9, 8]),
  ]],
  batchNorm: [[6, 5], [3, 4, 5, 6]].map((shape) => (bk: Backend, i: Inputs) => {
    const r = bk.kernels.batchNorm(
      i.f32(shape, -2, 3),
      i.f32([shape[1]!], 0.5, 1.5),
      i.f32([shape[1]!]),
      1e-5,
    );
    return [r.y, r.mean, r.rstd];
  }),
  batchNormBackward: [(bk, i) => {
    const x = i.f32([3, 4, 5, 6], -2, 3), g = i.f32([4], 0.5, 1.5);
    const f = bk.kernels.batchNorm(x, g, i.f32([4]), 1e-5);
    f.y.release();
    const r = bk.kernels.batchNormBackward(x, g, f.mean, f.rstd, i.f32([3, 4, 5, 6]));
    f.mean.release();
    f.rstd.release();
    return [r.dx, r.dgamma, r.dbeta];
  }],
  batchNormInference: [(bk, i) => [
    bk.kernels.batchNormInference(
      i.f32([3, 4, 5, 6]),
      i.f32([4]),
      i.f32([4]),
      i.f32([4]),
      i.f32([4], 0.5, 2),
      1e-5,
    ),
  ]],
  batchNormUpdate: [(bk, i) => {
    const f = bk.kernels.batchNorm(i.f32([3, 4, 5, 6], -2, 3), i.f32([4]), i.f32([4]), 1e-5);
    const rm = i.f32([4]), rv = i.f32([4], 0.5, 2);
    bk.kernels.batchNormUpdate(rm, rv, f.mean, f.rstd, { eps: 1e-5, momentum: 0.1, count: 90 });
    for (const t of [f.y, f.mean, f.rstd]) t.release();
    return [rm, rv];
  }],
  sumAxis: [0, 1, 2].map((axis) => (bk: Backend, i: Inputs) => [bk.kernels.sumAxis(i.f32([5, 37, 6]), axis)]),
  broadcastAxis: [0, 1, 2].map((axis) => (bk: Backend, i: Inputs) => {
    const shape = [5, 37, 6];
    return [bk.kernels.broadcastAxis(i.f32(shape.filter((_, j) => j !== axis)), shape, axis)];
  }),
  biasAdd: [(bk, i) => [bk.kernels.biasAdd(i.f32([4, 6, 10]), i.f32([10]))]],
  sumRows: [
    (bk, i) => [bk.kernels.sumRows(i.f32([37, 11]))],
    (bk, i) => [bk.kernels.sumRows(i.f32([3, 300, 2]))],
  ],
  relu: [(bk, i) => [bk.kernels.relu(i.f32([200], -5, 5))]],
  reluBackward: [(bk, i) => [bk.kernels.reluBackward(i.f32([200], -5, 5), i.f32([200]))]],
  gelu: [(bk, i) => [bk.kernels.gelu(i.f32([200], -8, 8))]],
  geluBackward: [(bk, i) => [bk.kernels.geluBackward(i.f32([200], -8, 8), i.f32([200]))]],
  tanh: [(bk, i) => [bk.kernels.tanh(i.f32([200], -12, 12))]],
  tanhBackward: [(bk, i) => [bk.kernels.tanhBackward(i.f32([200], -1, 1), i.f32([200]))]],
  softmax: [
    (bk, i) => [bk.kernels.softmax(i.f32([6, 13], -6, 6))],
    (bk, i) => [bk.kernels.softmax(i.f32([2, 700], -3, 3))],
  ],
  softmaxBackward: [(bk, i) => [bk.kernels.softmaxBackward(i.f32([6, 13], 0, 0.2), i.f32([6, 13]))]],
  layernorm: [(bk, i) => {
    const r = bk.kernels.layernorm(i.f32([5, 24], -3, 3), i.f32([24]), i.f32([24]), 1e-5);
    return [r.y, r.mean, r.rstd];
  }],
  layernormBackward: [(bk, i) => {
    const r = bk.kernels.layernormBackward(
      i.f32([5, 24]),
      i.f32([24]),
      i.f32([5]),
      i.f32([5], 0.5, 2),
      i.f32([5, 24]),
    );
    return [r.dx, r.dgamma, r.dbeta];
  }],
  embedding: [(bk, i) => [bk.kernels.embedding(i.i32([3, 4], 9), i.f32([9, 6]))]],
  embeddingBackward: [(bk, i) => [bk.kernels.embeddingBackward(i.i32([3, 4], 9), i.f32([3, 4, 6]), 9)]],
  transpose: [(bk, i) => [bk.kernels.transpose(i.f32([2, 3, 5, 7]))]],
  dropout: [
    (bk, i) => [bk.kernels.dropout(i.f32([1000]), 0.3, 12345)],
    (bk, i) => [bk.kernels.dropout(i.f32([64]), 0, 7)],
  ],
  dropoutBackward: [(bk, i) => [bk.kernels.dropoutBackward(i.f32([1000]), 0.3, 12345)]],
  attention: [true, false].map((causal): Case => (bk, i) => {
    const r = bk.kernels.attention(i.f32([2, 5, 8]), i.f32([2, 5, 8]), i.f32([2, 5, 8]), 2, causal);
    return [r.out, r.probs];
  }),
  attentionBackward: [(bk, i) => {
    const r = bk.kernels.attentionBackward(
      i.f32([2, 5, 8]),
      i.f32([2, 5, 8]),
      i.f32([2, 5, 8]),
      i.f32([2, 2, 5, 5], 0, 0.4),
      i.f32([2, 5, 8]),
      2,
    );
    return [r.dq, r.dk, r.dv];
  }],
  crossEntropy: [(bk, i) => {
    const r = bk.kernels.crossEntropy(i.f32([7, 5], -4, 4), i.i32([7], 5));
    return [r.loss, r.probs];
  }],
  crossEntropyBackward: [
    (bk, i) => [bk.kernels.crossEntropyBackward(i.f32([7, 5], 0, 0.4), i.i32([7], 5), i.f32([1], 0.5, 1))],
  ],
  sgdStep: [(bk, i) => {
    const p = i.f32([50]), v = i.f32([50]);
    bk.kernels.sgdStep(p, i.f32([50]), v, { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    return [p, v];
  }],
  adamwStep: [(bk, i) => {
    const p = i.f32([50]), m = i.f32([50]), v = i.f32([50], 0, 0.1);
    bk.kernels.adamwStep(p, i.f32([50]), m, v, {
      lr: 0.01,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.1,
      t: 3,
    });
    return [p, m, v];
  }],
};

/** Runs one case on a backend from `seed`'s inputs; host copies of its outputs. Releases everything. */
async function runCase(bk: Backend, c: Case, seed: number): Promise<Array<Float32Array | Int32Array>> {
  const rng = new Rng(seed);
  const held: Tensor[] = [];
  const inputs: Inputs = {
    f32: (shape, lo = -1, hi = 1) => {
      const t = bk.upload(Float32Array.from(rng.shaped(shape, lo, hi)), shape, "f32");
      held.push(t);
      return t;
    },
    i32: (shape, bound) => {
      const t = bk.upload(rng.ints(sizeOf(shape), bound), shape, "i32");
      held.push(t);
      return t;
    },
  };
  const outs = c(bk, inputs);
  try {
    const host: Array<Float32Array | Int32Array> = [];
    for (const t of outs) host.push(await bk.read(t));
    return host;
  } finally {
    for (const t of outs) if (!held.includes(t)) t.release();
    for (const t of held) t.release();
  }
}

/** A small MLP and a small GPT, both with dropout. */
function agreementChains(): Array<{ chain: Chain; batch: number }> {
  return [
    { chain: mlp({ depth: 3, width: 12, hidden: 20, classes: 4, dropout: 0.2 }), batch: 6 },
    { chain: gpt({ layers: 2, dModel: 16, heads: 2, seqLen: 6, vocab: 11, dropout: 0.1 }), batch: 3 },
  ];
}

/**
 * Registers the agreement suite: every kernel and a store-all training step of an MLP and
 * a GPT on `makeCandidate` against `makeReference` (the CPU backend), within
 * {@link KERNEL_AGREEMENT_TOL} and {@link STEP_AGREEMENT_TOL}; dropout keeps the same elements.
 * @param name the candidate's name, for the suite title
 * @example
 * ```ts
 * import { runBackendAgreement } from "@remat/conformance";
 * // runBackendAgreement("webgpu", () => new CpuBackend(), () => WebGpuBackend.create());
 * ```
 */
export function runBackendAgreement(
  name: string,
  makeReference: MakeBackend,
  makeCandidate: MakeBackend,
): void {
  describe(`${name} agrees with the reference backend`, () => {
    for (const [kernel, cases] of Object.entries(CASES) as Array<[KernelName, ReadonlyArray<Case>]>) {
      test(`${kernel} within rel ${KERNEL_AGREEMENT_TOL.rel}, abs ${KERNEL_AGREEMENT_TOL.abs} (scaled)`, async () => {
        const ref = await makeReference(), cand = await makeCandidate();
        try {
          for (const [n, c] of cases.entries()) {
            const want = await runCase(ref, c, 1000 + n), got = await runCase(cand, c, 1000 + n);
            assert.equal(got.length, want.length);
            for (const [o, w] of want.entries()) {
              const what = `${kernel} case ${n} output ${o}`;
              assert.equal(got[o]!.length, w.length, `${what}: length`);
              if (kernel.startsWith("dropout")) {
                const zeros = (a: ArrayLike<number>) => Array.from(a, (v) => v === 0);
                assert.deepEqual(zeros(got[o]!), zeros(w), `${what}: the dropped elements differ`);
              }
              assertClose(got[o]!, w, what, KERNEL_AGREEMENT_TOL);
            }
          }
        } finally {
          ref.dispose();
          cand.dispose();
        }
      });
    }
    for (const { chain, batch } of agreementChains()) {
      test(`a store-all training step of ${chain.name}: loss and every gradient within rel ${STEP_AGREEMENT_TOL.rel}`, async () => {
        const ref = await makeReference(), cand = await makeCandidate();
        const pr = initParams(chain, ref, 3), pc = initParams(chain, cand, 3);
        try {
          const host = randomBatch(chain, batch, 5);
          const plan = storeAllPlan(chain.stages.length);
          const want = await hostStep(plan, {
            backend: ref,
            chain,
            params: pr,
            host,
            key: { seed: 2, step: 4 },
          });
          const got = await hostStep(plan, {
            backend: cand,
            chain,
            params: pc,
            host,
            key: { seed: 2, step: 4 },
          });
          assertClose([got.loss], [want.loss], "loss", STEP_AGREEMENT_TOL);
          assert.equal(got.peakBytes, want.peakBytes, "measured peak activation bytes");
          want.grads.forEach((row, s) =>
            row.forEach((g, j) =>
              assertClose(got.grads[s]![j]!, g, `stage ${s} gradient ${j}`, STEP_AGREEMENT_TOL)
            )
          );
        } finally {
          releaseParams(pr);
          releaseParams(pc);
          ref.dispose();
          cand.dispose();
        }
      });
    }
  });
}
