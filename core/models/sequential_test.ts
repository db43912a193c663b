import assert from "node:assert/strict";
import { test } from "node:test";
import { activationShapes, parameterCount } from "../chain.ts";
import { InvalidArgument } from "../errors.ts";
import { executePlan } from "../execute.ts";
import { MetaBackend } from "../meta_backend.ts";
import { initParams, releaseParams } from "../params.ts";
import { storeAllPlan } from "../plan.ts";
import { predictPlan } from "../predict.ts";
import { staticProfile } from "../profile.ts";
import { type LayerSpec, sequential } from "./sequential.ts";

const layers: ReadonlyArray<LayerSpec> = [
  { kind: "linear", out: 8 },
  { kind: "residual", hidden: 16, dropout: 0.1 },
  { kind: "layernorm" },
  { kind: "gelu-dropout", p: 0.2 },
  { kind: "tanh", out: 6 },
  { kind: "silu" },
  { kind: "softplus" },
];
const chain = sequential({ inputs: 3, layers, classes: 4 });

test("sequential makes one stage per layer, named by kind and index, then a linear head", () => {
  assert.deepEqual(chain.stages.map((s) => s.name), [
    "linear0",
    "residual1",
    "layernorm2",
    "gelu-dropout3",
    "tanh4",
    "silu5",
    "softplus6",
    "head",
  ]);
  assert.deepEqual(chain.stages.map((s) => s.kind), [
    "linear",
    "residual-mlp",
    "layernorm",
    "gelu-dropout",
    "tanh",
    "silu",
    "softplus",
    "linear",
  ]);
  assert.equal(chain.name, "sequential(linear,residual,layernorm,gelu-dropout,tanh,silu,softplus)");
  assert.deepEqual(chain.input, { shape: [3], dtype: "f32" });
  assert.deepEqual(chain.target, { shape: [], dtype: "i32" });
  assert.equal(chain.loss.name, "cross-entropy");
});

test("sequential carries the width through the layers: only linear and tanh change it", () => {
  assert.deepEqual(activationShapes(chain, 5), [[5, 3], [5, 8], [5, 8], [5, 8], [5, 8], [5, 6], [5, 6], [
    5,
    6,
  ], [5, 4]]);
  const shapes = chain.stages.map((s) => s.params.map((p) => [p.name, p.shape]));
  assert.deepEqual(shapes, [
    [["w", [3, 8]], ["b", [8]]],
    [["w1", [8, 16]], ["b1", [16]], ["w2", [16, 8]], ["b2", [8]]],
    [["g", [8]], ["b", [8]]],
    [],
    [["w", [8, 6]], ["b", [6]]],
    [],
    [],
    [["w", [6, 4]], ["b", [4]]],
  ]);
  assert.equal(parameterCount(chain), 32 + 16 * 8 + 16 + 16 * 8 + 8 + 16 + 48 + 6 + 24 + 4);
});

test("sequential refuses a count that is not a positive integer, naming the field", () => {
  const cases: Array<[() => unknown, string]> = [
    [() => sequential({ inputs: 0, layers, classes: 4 }), "inputs"],
    [() => sequential({ inputs: 3, layers, classes: 2.5 }), "classes"],
    [() => sequential({ inputs: 3, layers: [{ kind: "linear", out: -1 }], classes: 2 }), "linear0.out"],
    [
      () => sequential({ inputs: 3, layers: [{ kind: "silu" }, { kind: "tanh", out: 0 }], classes: 2 }),
      "tanh1.out",
    ],
    [
      () => sequential({ inputs: 3, layers: [{ kind: "residual", hidden: 0 }], classes: 2 }),
      "residual0.hidden",
    ],
  ];
  for (const [f, name] of cases) {
    assert.throws(f, (e: unknown) => e instanceof InvalidArgument && e.name === name, name);
  }
});

test("a store-all step of every layer kind on the meta backend peaks where predicted and leaves nothing live", () => {
  const backend = new MetaBackend();
  const params = initParams(chain, backend, 0);
  const x = backend.upload(new Float32Array(5 * 3), [5, 3], "f32", "io");
  const y = backend.upload(new Int32Array(5), [5], "i32", "io");
  const plan = storeAllPlan(chain.stages.length);
  const out = executePlan(plan, { backend, chain, params, batch: { x, y } });
  assert.equal(out.peakBytes, predictPlan(staticProfile(chain, 5), plan).peakBytes);
  out.loss.release();
  for (const g of out.grads.flat()) g.release();
  for (const t of [x, y]) t.release();
  releaseParams(params);
  assert.ok(Object.values(backend.memory.report().live).every((b) => b === 0));
});
