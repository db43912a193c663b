/**
 * The training-step suite every backend runs: a full store-all step's gradients against
 * central finite differences on small random chains of both model kinds, determinism of
 * training, and memory returning to zero.
 * @module
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Effect } from "effect";
import {
  adamw,
  type Backend,
  bitsAt,
  type Chain,
  gpt,
  initParams,
  keyHash,
  MetaBackend,
  mlp,
  type Params,
  type Plan,
  readParams,
  releaseParams,
  storeAllPlan,
  train,
  withBackend,
} from "@remat/core";
import { bitEqual, type HostStep, hostStep, randomBatch } from "./step_helpers.ts";

/** Small chains of both kinds, drawn by fast-check. */
export const smallChain: fc.Arbitrary<Chain> = fc.oneof(
  fc.record({
    depth: fc.integer({ min: 1, max: 3 }),
    width: fc.integer({ min: 2, max: 6 }),
    hidden: fc.integer({ min: 2, max: 7 }),
    classes: fc.integer({ min: 2, max: 4 }),
    inputs: fc.integer({ min: 1, max: 4 }),
  }).map((c) => mlp(c)),
  fc.record({
    layers: fc.integer({ min: 1, max: 2 }),
    heads: fc.integer({ min: 1, max: 2 }),
    headDim: fc.integer({ min: 1, max: 3 }),
    seqLen: fc.integer({ min: 1, max: 4 }),
    vocab: fc.integer({ min: 2, max: 6 }),
  }).map(({ headDim, ...c }) => gpt({ ...c, dModel: c.heads * headDim, hidden: 2 * c.heads * headDim })),
);

/** Parameters drawn uniformly from [-0.7, 0.7], deterministic in the seed. */
export function randomParams(backend: Backend, chain: Chain, seed: number): Params {
  return chain.stages.map((stage, si) =>
    stage.params.map((spec, pj) => {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const host = Float32Array.from({ length: n }, (_, i) =>
        0.7 * (2 * (bitsAt(keyHash({ seed, step: si, stage: pj, site: 0 }), i) / 4294967296) - 1));
      return backend.upload(host, spec.shape, "f32", "parameter");
    })
  );
}

/**
 * Registers the step suite for a backend.
 *
 * @example
 * ```ts
 * // backends/cpu/step_conformance_test.ts
 * import { runStepConformance } from "@remat/conformance";
 * import { CpuBackend } from "@remat/cpu";
 * runStepConformance("cpu", () => new CpuBackend());
 * ```
 */
export function runStepConformance(name: string, makeBackend: () => Backend | Promise<Backend>): void {
  describe(`${name}: training step conformance`, () => {
    test("store-all step gradients match central finite differences", async () => {
      const backend = await makeBackend();
      await fc.assert(
        fc.asyncProperty(
          smallChain,
          fc.integer({ min: 1, max: 3 }),
          fc.nat(1000),
          async (chain, batch, seed) => {
            // Parameters of order one (not the default small init) keep every layer well inside
            // the regime where a central difference of step h resolves the gradient in f32.
            const params = randomParams(backend, chain, seed);
            const host = randomBatch(chain, batch, seed);
            const plan = storeAllPlan(chain.stages.length);
            try {
              const { grads } = await hostStep(plan, { backend, chain, params, host });
              // Probe a few entries of every parameter: f32 loss, step h, central differences.
              const h = 4e-3;
              for (let s = 0; s < params.length; s++) {
                for (let j = 0; j < params[s]!.length; j++) {
                  const p = params[s]![j]!;
                  const base = (await backend.read(p)) as Float32Array;
                  for (const idx of [0, Math.floor(base.length / 2), base.length - 1]) {
                    const lossAt = async (delta: number) => {
                      const moved = base.slice();
                      moved[idx] = base[idx]! + delta;
                      const q = backend.upload(moved, p.shape, "f32", "parameter");
                      const swapped = params.map((row, si) =>
                        row.map((t, pj) => (si === s && pj === j ? q : t))
                      );
                      const r = await hostStep(plan, { backend, chain, params: swapped, host });
                      q.release();
                      return r.loss;
                    };
                    const fd = ((await lossAt(h)) - (await lossAt(-h))) / (2 * h);
                    const g = grads[s]![j]![idx]!;
                    const tol = 2e-3 + 2e-2 * Math.max(Math.abs(g), Math.abs(fd));
                    assert.ok(
                      Math.abs(g - fd) <= tol,
                      `${chain.name} stage ${chain.stages[s]!.name} param ${
                        chain.stages[s]!.params[j]!.name
                      }[${idx}]: analytic ${g}, finite difference ${fd}`,
                    );
                  }
                }
              }
            } finally {
              releaseParams(params);
            }
          },
        ),
        // A fixed seed: a difference straddling a relu kink would make a random seed flaky.
        { numRuns: 8, seed: 20261122 },
      );
      assert.equal(backend.memory.report().activationLive, 0);
      backend.dispose();
    });

    test("a step is deterministic: same seed, same batch, bit-identical loss and gradients", async () => {
      const backend = await makeBackend();
      await fc.assert(
        fc.asyncProperty(smallChain, fc.nat(1000), async (chain, seed) => {
          const host = randomBatch(chain, 2, seed);
          const plan = storeAllPlan(chain.stages.length);
          const runs: HostStep[] = [];
          for (let r = 0; r < 2; r++) {
            const params = initParams(chain, backend, seed);
            runs.push(await hostStep(plan, { backend, chain, params, host }));
            releaseParams(params);
          }
          assert.ok(Object.is(runs[0]!.loss, runs[1]!.loss));
          runs[0]!.grads.forEach((row, s) =>
            row.forEach((g, j) => assert.ok(bitEqual(g, runs[1]!.grads[s]![j]!)))
          );
        }),
        { numRuns: 6 },
      );
      backend.dispose();
    });

    test("a step's measured peak equals the meta backend's prediction, byte for byte", async () => {
      const backend = await makeBackend();
      await fc.assert(
        fc.asyncProperty(
          smallChain,
          fc.integer({ min: 1, max: 3 }),
          fc.boolean(),
          async (chain, batch, dropout) => {
            const c = dropout ? withDropout(chain) : chain;
            const host = randomBatch(c, batch, 5);
            const plan = storeAllPlan(c.stages.length);
            const measured = await peakOf(backend, c, plan, host);
            const predicted = await peakOf(new MetaBackend(), c, plan, host);
            assert.equal(measured, predicted, c.name);
          },
        ),
        { numRuns: 20 },
      );
      backend.dispose();
    });

    test("a step releases every activation, tape and gradient it made", async () => {
      const backend = await makeBackend();
      const chain = mlp({ depth: 3, width: 4, hidden: 5, classes: 3, inputs: 2, dropout: 0.25 });
      const params = initParams(chain, backend, 3);
      const r = await hostStep(storeAllPlan(chain.stages.length), {
        backend,
        chain,
        params,
        host: randomBatch(chain, 4, 3),
      });
      assert.ok(r.peakBytes > 0);
      const mem = backend.memory.report();
      assert.equal(mem.activationLive, 0);
      assert.equal(mem.live.io, 0);
      assert.equal(mem.live.parameterGradient, 0);
      releaseParams(params);
      assert.equal(backend.memory.report().live.parameter, 0);
      backend.dispose();
    });
  });
}

/**
 * Registers the training-determinism test for a backend: same seed → bit-identical parameters.
 *
 * @example
 * ```ts
 * // backends/cpu/step_conformance_test.ts
 * import { runTrainDeterminism } from "@remat/conformance";
 * import { CpuBackend } from "@remat/cpu";
 * runTrainDeterminism("cpu", () => new CpuBackend());
 * ```
 */
export function runTrainDeterminism(name: string, makeBackend: () => Backend | Promise<Backend>): void {
  test(`${name}: two training runs with the same seed give bit-identical parameters`, async () => {
    const finals: Float32Array[][][] = [];
    for (let run = 0; run < 2; run++) {
      const backend = await makeBackend();
      const chain = gpt({ layers: 1, dModel: 4, heads: 2, seqLen: 3, vocab: 5, dropout: 0.1 });
      const data = {
        name: "random",
        batch: (step: number, size: number) => randomBatch(chain, size, 100 + step),
      };
      const result = await Effect.runPromise(
        train(chain, data, { steps: 4, batch: 2, seed: 9, optimizer: adamw({ lr: 1e-2 }) }).pipe(
          Effect.provide(withBackend(backend)),
        ),
      );
      finals.push(await readParams(backend, result.params));
      releaseParams(result.params);
      assert.equal(backend.memory.report().activationLive, 0);
      assert.equal(backend.memory.report().stateBytes, 0);
      backend.dispose();
    }
    finals[0]!.forEach((row, s) =>
      row.forEach((p, j) => assert.ok(bitEqual(p, finals[1]![s]![j]!), `stage ${s} param ${j}`))
    );
  });
}

async function peakOf(
  backend: Backend,
  chain: Chain,
  plan: Plan,
  host: { x: Float32Array | Int32Array; y: Float32Array | Int32Array },
): Promise<number> {
  const params = initParams(chain, backend, 0);
  const r = await hostStep(plan, { backend, chain, params, host });
  releaseParams(params);
  return r.peakBytes;
}

/** The same model with dropout 0.2 where it has dropout sites. */
function withDropout(chain: Chain): Chain {
  const cfg = chain.config as Record<string, number>;
  return cfg.model === ("gpt" as unknown)
    ? gpt({
      layers: cfg.layers!,
      dModel: cfg.dModel!,
      heads: cfg.heads!,
      seqLen: cfg.seqLen!,
      vocab: cfg.vocab!,
      hidden: cfg.hidden!,
      dropout: 0.2,
    })
    : mlp({
      depth: cfg.depth!,
      width: cfg.width!,
      hidden: cfg.hidden!,
      classes: cfg.classes!,
      inputs: cfg.inputs!,
      dropout: 0.2,
    });
}
