/**
 * The conformance suite for one op, a user's own included: its forward against a float64
 * reference, its backward rule against central finite differences of that reference, bit-for-bit
 * determinism, memory accounting that returns to zero, and — in a chain of stages that use it —
 * every strategy's gradients bit-identical to store-all with measured peak = predicted peak.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type Chain,
  crossEntropyLoss,
  initParams,
  linearStage,
  type Op,
  Recorder,
  releaseParams,
  type Shape,
  sizeOf,
  type Stage,
  staticProfile,
  type Tensor,
} from "@remat/core";
import { optimal, sqrt, storeAll, uniform } from "@remat/strategies";
import {
  assertClose,
  assertSameBits,
  dot,
  FORWARD_TOL,
  GRAD_TOL,
  type MakeBackend,
  numericGrad,
  Rng,
  type Scope,
  withBackend,
} from "./_harness.ts";
import { assertStepBits, hostStep, randomBatch, storeAllStep } from "./step_helpers.ts";

/** How to test one op. */
export interface OpCase<A> {
  /** The op under test. */
  readonly op: Op<A>;
  /** The attributes it is applied with. */
  readonly attrs: A;
  /** The shapes of its inputs, in order. */
  readonly shapes: ReadonlyArray<Shape>;
  /** The op's forward in float64 on host copies of the inputs: the expected output, flattened. */
  readonly reference: (inputs: ReadonlyArray<Float64Array>) => Float64Array;
  /** Range of the random f32 inputs; default [−2, 2]. */
  readonly range?: readonly [number, number];
  /** Bound of the random i32 inputs (values in [0, bound)); default 4. */
  readonly intBound?: number;
  /** Forward tolerance; default rel 1e-4, abs 1e-5. */
  readonly forwardTol?: { readonly rel: number; readonly abs: number };
  /** Gradient tolerance (abs scaled by the largest gradient); default rel 1e-3, abs 1e-4. */
  readonly gradTol?: { readonly rel: number; readonly abs: number };
  /**
   * A chain of stages that use the op, for the checkpointing test. Default, for an op with one
   * f32 input of shape [B, W] that keeps its shape: 6 stages of x + W·op(x) + b between a
   * linear input and head.
   */
  readonly chain?: Chain;
}

/**
 * Registers the op conformance suite of `c.op` on a backend.
 * @param name the backend's name, shown in the suite title
 * @param makeBackend builds a fresh backend
 * @example
 * ```ts
 * import { runOpConformance } from "@remat/conformance";
 * import { CpuBackend } from "@remat/cpu";
 * runOpConformance("cpu", () => new CpuBackend(), {
 *   op: softsign,
 *   attrs: undefined,
 *   shapes: [[4, 6]],
 *   reference: ([x]) => x!.map((v) => v / (1 + Math.abs(v))),
 * });
 * ```
 */
export function runOpConformance<A>(name: string, makeBackend: MakeBackend, c: OpCase<A>): void {
  describe(`op conformance: ${c.op.name} (${name})`, () => {
    test("its forward matches the float64 reference", () =>
      withBackend(makeBackend, (scoped) =>
        scoped(async (s) => {
          const { host, tensors } = inputs(s, c, 1);
          const y = s.own(apply(s, c, tensors, false).output);
          assertClose(
            await s.read(y),
            c.reference(host),
            `${c.op.name} forward`,
            c.forwardTol ?? FORWARD_TOL,
          );
        })));

    test("its backward rule gives the gradient of the reference, input by input", () =>
      withBackend(makeBackend, (scoped) =>
        scoped(async (s) => {
          const { host, tensors } = inputs(s, c, 2);
          const { output, grads, w } = await backward(s, c, tensors, 3);
          assert.equal(output.size, w.length);
          for (let j = 0; j < tensors.length; j++) {
            if (c.op.inputs[j]!.dtype === "i32") continue;
            const g = grads[j];
            assert.ok(g, `${c.op.name}: no gradient for input ${c.op.inputs[j]!.name}`);
            const loss = (z: Float64Array) => dot(c.reference(host.map((h, k) => (k === j ? z : h))), w);
            assertClose(
              await s.read(g),
              numericGrad(loss, host[j]!.slice()),
              `${c.op.name} ∂${c.op.inputs[j]!.name}`,
              {
                ...(c.gradTol ?? GRAD_TOL),
                scaled: true,
              },
            );
          }
        })));

    test("its forward and backward give the same bits when run twice", () =>
      withBackend(makeBackend, (scoped) =>
        scoped(async (s) => {
          const { tensors } = inputs(s, c, 4);
          const runs: Uint32Array[][] = [];
          for (let r = 0; r < 2; r++) {
            const { output, grads } = await backward(s, c, tensors, 5);
            runs.push(
              await Promise.all([
                output,
                ...grads.filter((g): g is Tensor => g !== null),
              ].map((t) => s.bits(t))),
            );
          }
          runs[0]!.forEach((bits, i) => assertSameBits(bits, runs[1]![i]!, `${c.op.name} output ${i}`));
        })));

    test("every buffer it makes is counted while alive and released to zero", () =>
      withBackend(makeBackend, (scoped) =>
        scoped(async (s) => {
          const { tensors } = inputs(s, c, 6);
          const before = s.bk.memory.report().activationLive;
          const { output, tape } = apply(s, c, tensors, true);
          await s.bk.flush(); // the accounting is synchronous; the device's work finishes here too
          const live = s.bk.memory.report().activationLive - before;
          assert.ok(
            live >= output.bytes,
            `${c.op.name}: ${live} live bytes counted, its output alone has ${output.bytes}`,
          );
          tape!.release();
          output.release();
          assert.equal(
            s.bk.memory.report().activationLive,
            before,
            `${c.op.name}: bytes left live after release`,
          );
        })));

    test("a chain using it: every strategy's gradients bit-identical to store-all, measured = predicted peak", async () => {
      const chain = c.chain ?? defaultChain(c);
      const backend = await makeBackend();
      try {
        const batch = chain.input.dtype === "i32" ? 2 : 4;
        const profile = staticProfile(chain, batch);
        const params = initParams(chain, backend, 7);
        const host = randomBatch(chain, batch, 7);
        const key = { seed: 3, step: 2 };
        const reference = await storeAllStep({ backend, chain, params, host, key });
        const full = storeAll(profile).summary().predictedPeakBytes;
        const plans = [
          sqrt(profile),
          uniform(profile, { every: 2 }),
          optimal(profile, { bytes: Math.round(0.6 * full) }),
        ];
        for (const plan of plans) {
          const got = await hostStep(plan, { backend, chain, params, host, key });
          assertStepBits(got, reference, chain, plan.strategy);
          assert.equal(
            got.peakBytes,
            plan.summary().predictedPeakBytes,
            `${plan.strategy}: measured vs predicted peak`,
          );
        }
        releaseParams(params);
      } finally {
        backend.dispose();
      }
    });
  });
}

/** Random inputs of the case's shapes: float64 host copies (f32-representable) and tensors. */
function inputs<A>(s: Scope, c: OpCase<A>, seed: number): { host: Float64Array[]; tensors: Tensor[] } {
  const r = new Rng(seed);
  const [lo, hi] = c.range ?? [-2, 2];
  const host = c.shapes.map((shape, j) =>
    c.op.inputs[j]?.dtype === "i32"
      ? Float64Array.from(r.ints(sizeOf(shape), c.intBound ?? 4))
      : r.values(sizeOf(shape), lo, hi)
  );
  const tensors = host.map((
    h,
    j,
  ) => (c.op.inputs[j]?.dtype === "i32" ? s.i32(h, c.shapes[j]!) : s.f32(h, c.shapes[j]!)));
  return { host, tensors };
}

/** The op applied through a recorder, as a stage applies it. */
function apply<A>(s: Scope, c: OpCase<A>, tensors: Tensor[], record: boolean) {
  const ctx = new Recorder(s.bk, { record, key: { seed: 1, step: 0, stage: 0 } });
  return ctx.finish(ctx.apply(c.op, tensors, c.attrs));
}

/** Forward with a tape, then the tape's backward from a random cotangent w. */
async function backward<A>(s: Scope, c: OpCase<A>, tensors: Tensor[], seed: number) {
  const { output, tape } = apply(s, c, tensors, true);
  s.own(output);
  const w = new Rng(seed).values(output.size);
  const dy = s.f32(w, output.shape);
  // the inputs stand where a stage's parameters stand: the tape returns a gradient for each
  const { dparams } = tape!.backward(s.bk, dy, null, tensors);
  await s.bk.flush();
  return { output, grads: dparams.map((g) => (g ? s.own(g) : null)), w };
}

/** x + W·op(x) + b blocks of width 6 between a linear input and head, for a shape-keeping unary op. */
function defaultChain<A>(c: OpCase<A>): Chain {
  const width = 6;
  if (c.op.inputs.length !== 1 || c.op.inputs[0]!.dtype === "i32") {
    throw new Error(`runOpConformance: ${c.op.name} is not a unary f32 op; pass a chain that uses it`);
  }
  const block = (i: number): Stage => ({
    ...linearStage(`${c.op.name}${i}`, width, width),
    kind: c.op.name,
    forward: (ctx, x, [w, b]) => ctx.add(x, ctx.linear(ctx.apply(c.op, [x], c.attrs), w!, b!)),
  });
  const chain: Chain = {
    name: `${c.op.name}-chain`,
    stages: [
      linearStage("in", 3, width),
      ...Array.from({ length: 6 }, (_, i) => block(i)),
      linearStage("head", width, 3),
    ],
    loss: crossEntropyLoss,
    input: { shape: [3], dtype: "f32" },
    target: { shape: [], dtype: "i32" },
    config: { classes: 3 },
  };
  return chain;
}
