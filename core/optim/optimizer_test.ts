import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Backend } from "../backend.ts";
import { InvalidArgument } from "../errors.ts";
import type { KernelTable } from "../kernels.ts";
import { MetaBackend } from "../meta_backend.ts";
import { mlp } from "../models/mlp.ts";
import { initParams, type Params, releaseParams } from "../params.ts";
import type { Tensor } from "../tensor.ts";
import { adamw, OptimizerState, sgd } from "./optimizer.ts";

/** Asserts `f` throws InvalidArgument for `name` whose message names the value and the valid range. */
function throwsInvalid(f: () => unknown, name: string, value: string, range: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InvalidArgument, String(e));
    assert.equal(e.name, name);
    assert.equal(e.message, `invalid ${name}: got ${value}; expected a number in ${range}`);
    return true;
  });
}

describe("sgd", () => {
  test("sgd has documented defaults", () => {
    assert.deepEqual(sgd(), { kind: "sgd", lr: 0.05, momentum: 0.9, weightDecay: 0 });
  });

  test("sgd keeps the options it is given, including the closed ends of their ranges", () => {
    assert.deepEqual(sgd({ lr: 2, momentum: 0, weightDecay: 0.5 }), {
      kind: "sgd",
      lr: 2,
      momentum: 0,
      weightDecay: 0.5,
    });
    assert.deepEqual(sgd({ momentum: 1 }), { kind: "sgd", lr: 0.05, momentum: 1, weightDecay: 0 });
  });

  test("sgd rejects a non-positive or non-finite lr with the value in the message", () => {
    throwsInvalid(() => sgd({ lr: 0 }), "lr", "0", "(0, Infinity)");
    throwsInvalid(() => sgd({ lr: -0.1 }), "lr", "-0.1", "(0, Infinity)");
    throwsInvalid(() => sgd({ lr: Number.NaN }), "lr", "NaN", "(0, Infinity)");
    throwsInvalid(() => sgd({ lr: Infinity }), "lr", "Infinity", "(0, Infinity)");
  });

  test("sgd rejects momentum outside [0, 1] and a negative weight decay", () => {
    throwsInvalid(() => sgd({ momentum: 1.01 }), "momentum", "1.01", "[0, 1]");
    throwsInvalid(() => sgd({ momentum: -0.5 }), "momentum", "-0.5", "[0, 1]");
    throwsInvalid(() => sgd({ weightDecay: -1e-4 }), "weightDecay", "-0.0001", "[0, Infinity)");
  });
});

describe("adamw", () => {
  test("adamw has documented defaults", () => {
    assert.deepEqual(adamw(), {
      kind: "adamw",
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.01,
    });
  });

  test("adamw unpacks betas and keeps its options", () => {
    assert.deepEqual(adamw({ lr: 0.1, betas: [0.5, 0.75], eps: 1e-6, weightDecay: 0 }), {
      kind: "adamw",
      lr: 0.1,
      beta1: 0.5,
      beta2: 0.75,
      eps: 1e-6,
      weightDecay: 0,
    });
  });

  test("adamw rejects a bad lr with the value in the message", () => {
    throwsInvalid(() => adamw({ lr: 0 }), "lr", "0", "(0, Infinity)");
    throwsInvalid(() => adamw({ lr: -3 }), "lr", "-3", "(0, Infinity)");
  });

  test("adamw rejects betas outside [0, 1) naming which one", () => {
    throwsInvalid(() => adamw({ betas: [1.5, 0.999] }), "betas[0]", "1.5", "[0, 1)");
    throwsInvalid(() => adamw({ betas: [1, 0.999] }), "betas[0]", "1", "[0, 1)");
    throwsInvalid(() => adamw({ betas: [-0.1, 0.999] }), "betas[0]", "-0.1", "[0, 1)");
    throwsInvalid(() => adamw({ betas: [0.9, 2] }), "betas[1]", "2", "[0, 1)");
    throwsInvalid(() => adamw({ betas: [0.9, Number.NaN] }), "betas[1]", "NaN", "[0, 1)");
  });

  test("adamw rejects a non-positive eps and a negative weight decay", () => {
    throwsInvalid(() => adamw({ eps: 0 }), "eps", "0", "(0, Infinity)");
    throwsInvalid(() => adamw({ eps: -1e-8 }), "eps", "-1e-8", "(0, Infinity)");
    throwsInvalid(() => adamw({ weightDecay: -0.01 }), "weightDecay", "-0.01", "[0, Infinity)");
  });
});

describe("OptimizerState", () => {
  const chain = mlp({ depth: 2, width: 4, hidden: 6, classes: 3, inputs: 2 });
  const paramBytes = (params: Params) => params.flat().reduce((s, p) => s + p.storage.bytes, 0);

  for (const [spec, perParam] of [[sgd(), 1], [adamw(), 2]] as const) {
    test(`OptimizerState allocates ${perParam} "optimizer" tensor(s) per parameter for ${spec.kind} and releases them to 0`, () => {
      const b = new MetaBackend();
      const params = initParams(chain, b, 0);
      const pBytes = paramBytes(params);
      assert.equal(b.memory.report().live.parameter, pBytes);
      const state = new OptimizerState(spec, b, params);
      let r = b.memory.report();
      assert.equal(r.live.optimizer, perParam * pBytes);
      assert.equal(r.stateBytes, (1 + perParam) * pBytes);
      assert.equal(r.activationLive, 0);
      assert.equal(state.steps, 0);
      state.release();
      r = b.memory.report();
      assert.equal(r.live.optimizer, 0);
      assert.equal(r.live.parameter, pBytes);
      releaseParams(params);
      assert.equal(b.memory.report().stateBytes, 0);
    });
  }

  /** A meta backend whose optimizer kernels record their calls. */
  function spyBackend(): { backend: Backend; calls: { kind: string; tensors: Tensor[]; hyper: any }[] } {
    const b = new MetaBackend();
    const calls: { kind: string; tensors: Tensor[]; hyper: any }[] = [];
    const kernels: KernelTable = {
      ...b.kernels,
      sgdStep: (p, g, v, hyper) => void calls.push({ kind: "sgd", tensors: [p, g, v], hyper }),
      adamwStep: (p, g, m, v, hyper) => void calls.push({ kind: "adamw", tensors: [p, g, m, v], hyper }),
    };
    return { backend: Object.create(b, { kernels: { value: kernels } }) as Backend, calls };
  }

  test("OptimizerState.step calls the sgd kernel once per parameter with its own velocity", () => {
    const { backend, calls } = spyBackend();
    const params = initParams(chain, backend, 0);
    const grads = params.map((row) => row.map((p) => backend.alloc(p.shape, "f32", "parameterGradient")));
    const spec = sgd({ lr: 0.2 });
    const state = new OptimizerState(spec, backend, params);
    state.step(params, grads);
    assert.equal(state.steps, 1);
    const flat = params.flat();
    assert.equal(calls.length, flat.length);
    calls.forEach((c, i) => {
      assert.equal(c.kind, "sgd");
      assert.equal(c.tensors[0], flat[i]);
      assert.equal(c.tensors[1], grads.flat()[i]);
      assert.deepEqual(c.tensors[2]!.shape, flat[i]!.shape);
      assert.equal(c.tensors[2]!.storage.kind, "optimizer");
      assert.equal(c.hyper.lr, 0.2);
    });
    assert.equal(new Set(calls.map((c) => c.tensors[2])).size, flat.length);
    // The same slot is used again on the next step.
    state.step(params, grads);
    assert.equal(calls[flat.length]!.tensors[2], calls[0]!.tensors[2]);
    state.release();
  });

  test("OptimizerState.step passes adamw two distinct moments and the 1-based step count", () => {
    const { backend, calls } = spyBackend();
    const params = initParams(chain, backend, 0);
    const grads = params.map((row) => row.map((p) => backend.alloc(p.shape, "f32", "parameterGradient")));
    const state = new OptimizerState(adamw(), backend, params);
    state.step(params, grads);
    state.step(params, grads);
    const n = params.flat().length;
    assert.equal(state.steps, 2);
    assert.equal(calls.length, 2 * n);
    assert.deepEqual([...new Set(calls.map((c) => c.hyper.t))], [1, 2]);
    for (const c of calls) {
      assert.equal(c.kind, "adamw");
      assert.notEqual(c.tensors[2], c.tensors[3]);
      assert.equal(c.hyper.beta2, 0.999);
    }
    state.release();
    assert.equal(backend.memory.report().live.optimizer, 0);
  });
});
