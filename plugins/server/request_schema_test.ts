import assert from "node:assert/strict";
import { test } from "node:test";
import { sValidator } from "@hono/standard-validator";
import { Schema } from "effect";
import fc from "fast-check";
import { Hono } from "hono";
import type { JobRequest, PlanRequest } from "./job_types.ts";
import {
  checkRequest,
  type FieldIssue,
  issuesFromStandard,
  JobRequestSchema,
  jobRequestStandard,
  parseRequest,
  PlanRequestSchema,
  planRequestStandard,
  REQUEST_PARSE_OPTIONS,
} from "./request_schema.ts";

const job = (body: unknown): JobRequest => {
  const r = parseRequest(JobRequestSchema, body);
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
};
const issues = (
  body: unknown,
  schema = JobRequestSchema as typeof JobRequestSchema | typeof PlanRequestSchema,
): FieldIssue[] => {
  const r = parseRequest(schema, body);
  assert.ok(!r.ok, `expected issues for ${JSON.stringify(body)}`);
  return r.issues;
};
const paths = (is: FieldIssue[]) => is.map((i) => i.path).sort();
const MLP = { kind: "mlp", depth: 8, width: 64, hidden: 256, classes: 3, inputs: 2 } as const;
const GPT = { kind: "gpt", layers: 2, dModel: 64, heads: 4, seqLen: 32 } as const;

test("JobRequestSchema fills every default of an empty body", () => {
  assert.deepEqual(job({}), {
    model: MLP,
    strategy: { name: "storeAll" },
    batch: 128,
    data: { kind: "spirals", noise: 0.05 },
    optimizer: { kind: "adamw", lr: 3e-3, weightDecay: 0 },
    steps: 100,
    seed: 0,
    backend: "cpu",
  });
});

test("JobRequestSchema fills gpt defaults: batch 16 and text data", () => {
  const r = job({ model: { kind: "gpt" } });
  assert.deepEqual(r.model, GPT);
  assert.equal(r.batch, 16);
  assert.deepEqual(r.data, { kind: "text" });
});

test("JobRequestSchema fills each kind's own defaults", () => {
  assert.deepEqual(job({ model: { kind: "mlp", width: 32 } }).model, { ...MLP, width: 32, hidden: 128 });
  assert.deepEqual(job({ model: { kind: "mlp", width: 32, hidden: 7 } }).model, {
    ...MLP,
    width: 32,
    hidden: 7,
  });
  assert.deepEqual(job({ optimizer: { kind: "sgd" } }).optimizer, { kind: "sgd", lr: 0.05, momentum: 0.9 });
  assert.deepEqual(job({ optimizer: { kind: "adamw", lr: 0.01 } }).optimizer, {
    kind: "adamw",
    lr: 0.01,
    weightDecay: 0,
  });
  assert.deepEqual(job({ data: { kind: "spirals", noise: 0 } }).data, { kind: "spirals", noise: 0 });
  assert.deepEqual(job({ model: { ...MLP, inputs: 5 }, data: { kind: "teacher" } }).data, {
    kind: "teacher",
  });
});

test("PlanRequestSchema decodes with REQUEST_PARSE_OPTIONS and keeps given values", () => {
  const decode = Schema.decodeUnknownSync(PlanRequestSchema);
  const body = { model: { ...MLP, depth: 3 }, strategy: { name: "optimal", bytes: 1000 }, batch: 7 };
  assert.deepEqual(decode(body, REQUEST_PARSE_OPTIONS), body);
  assert.throws(() => decode({ batch: 7, steps: 3 }, REQUEST_PARSE_OPTIONS));
});

test("parseRequest reports every invalid field at once with its path", () => {
  const is = issues({ model: { kind: "mlp", depth: 0 }, batch: 1.5, backend: "gpu" });
  assert.deepEqual(paths(is), ["backend", "batch", "model.depth"]);
  const depth = is.find((i) => i.path === "model.depth")!;
  assert.equal(depth.message, "model.depth: got 0; expected an integer ≥ 1");
  assert.equal(depth.expected, "an integer ≥ 1");
  assert.match(
    is.find((i) => i.path === "backend")!.message,
    /got "gpu"; expected "cpu" \| "webgpu" \| "auto"/,
  );
});

test("parseRequest rejects unknown keys at every level instead of using a default", () => {
  const is = issues({
    stpes: 5,
    model: { kind: "mlp", dpeth: 4 },
    optimizer: { kind: "sgd", momentun: 0.5 },
  });
  assert.deepEqual(paths(is), ["model.dpeth", "optimizer.momentun", "stpes"]);
  assert.match(
    is.find((i) => i.path === "stpes")!.message,
    /unknown key with value 5; expected one of the keys model, strategy, batch, data/,
  );
  assert.deepEqual(paths(issues({ steps: 5 }, PlanRequestSchema)), ["steps"]);
  assert.deepEqual(paths(issues({ model: { kind: "gpt", depth: 3 } })), ["model.depth"]);
});

test("parseRequest names the valid kinds and strategy names", () => {
  const is = issues({
    model: { kind: "cnn" },
    strategy: { name: "sqrtt" },
    data: {},
    optimizer: { kind: "adam" },
  });
  assert.deepEqual(paths(is), ["data", "model", "optimizer", "strategy"]);
  assert.match(
    is.find((i) => i.path === "model")!.message,
    /got \{"kind":"cnn"\}; expected an object with "kind": "mlp" or "gpt"/,
  );
  assert.match(
    is.find((i) => i.path === "strategy")!.expected!,
    /"storeAll", "sqrt", "uniform", "revolve", "budget" or "optimal"/,
  );
  assert.deepEqual(issues(null)[0], {
    path: "",
    message: "body: got null; expected object",
    expected: "object",
  });
});

test("parseRequest reports a missing required strategy option", () => {
  for (const [name, key] of [["uniform", "every"], ["revolve", "slots"], ["optimal", "bytes"]]) {
    const [i] = issues({ strategy: { name } });
    assert.equal(i!.path, `strategy.${key}`);
    assert.equal(i!.message, `strategy.${key}: got nothing (the key is required); expected an integer ≥ 1`);
  }
});

test("parseRequest rejects non-integers, out-of-range and non-finite numbers", () => {
  const bad: Array<[unknown, string]> = [
    [{ batch: 0 }, "batch"],
    [{ steps: -1 }, "steps"],
    [{ seed: -1 }, "seed"],
    [{ seed: 2 ** 32 }, "seed"],
    [{ seed: 0.5 }, "seed"],
    [{ model: { kind: "gpt", heads: "4" } }, "model.heads"],
    [{ optimizer: { kind: "adamw", lr: 0 } }, "optimizer.lr"],
    [{ optimizer: { kind: "adamw", lr: Infinity } }, "optimizer.lr"],
    [{ optimizer: { kind: "adamw", weightDecay: -0.1 } }, "optimizer.weightDecay"],
    [{ optimizer: { kind: "sgd", momentum: 1.5 } }, "optimizer.momentum"],
    [{ data: { kind: "spirals", noise: NaN } }, "data.noise"],
    [{ strategy: { name: "budget", fraction: 1.01 } }, "strategy.fraction"],
    [{ strategy: { name: "optimal", bytes: 1e3 + 0.5 } }, "strategy.bytes"],
  ];
  for (const [body, path] of bad) assert.deepEqual(paths(issues(body)), [path], JSON.stringify(body));
  assert.equal(job({ seed: 0 }).seed, 0);
  assert.deepEqual(job({ strategy: { name: "budget", fraction: 0 } }).strategy, {
    name: "budget",
    fraction: 0,
  });
});

test("parseRequest reports cross-field issues once the fields are valid", () => {
  const is = issues({ model: { ...GPT, heads: 5 }, data: { kind: "spirals" } });
  assert.deepEqual(paths(is), ["data.kind", "model.heads"]);
  assert.equal(
    is.find((i) => i.path === "model.heads")!.message,
    "model.heads: got 5; expected a divisor of dModel = 64",
  );
  assert.deepEqual(paths(issues({ strategy: { name: "uniform", every: 11 } }, PlanRequestSchema)), [
    "strategy.every",
  ]);
});

test("checkRequest reports each cross-field rule", () => {
  const plan = (
    model: PlanRequest["model"],
    strategy: PlanRequest["strategy"] = { name: "sqrt" },
  ): PlanRequest => ({ model, strategy, batch: 4 });
  const jobOf = (model: PlanRequest["model"], data: JobRequest["data"]): JobRequest => ({
    ...job({}),
    model,
    data,
  });
  const cases: Array<[PlanRequest | JobRequest, string[]]> = [
    [jobOf(GPT, { kind: "spirals", noise: 0 }), ["data.kind"]],
    [jobOf(GPT, { kind: "teacher" }), ["data.kind"]],
    [jobOf(MLP, { kind: "text" }), ["data.kind"]],
    [jobOf({ ...MLP, inputs: 3 }, { kind: "spirals", noise: 0 }), ["model.inputs"]],
    [jobOf({ ...MLP, inputs: 3 }, { kind: "teacher" }), []],
    [plan({ ...GPT, heads: 3 }), ["model.heads"]],
    [plan(MLP, { name: "uniform", every: 10 }), []],
    [plan(MLP, { name: "uniform", every: 11 }), ["strategy.every"]],
    [plan(MLP, { name: "revolve", slots: 0 }), ["strategy.slots"]],
    [plan(MLP, { name: "budget" }), ["strategy"]],
    [plan(MLP, { name: "budget", bytes: 10, fraction: 0.5 }), ["strategy"]],
    [plan(MLP, { name: "budget", bytes: 10 }), []],
  ];
  for (const [req, want] of cases) assert.deepEqual(paths(checkRequest(req)), want, JSON.stringify(req));
  assert.match(
    checkRequest(plan(MLP, { name: "budget" }))[0]!.message,
    /expected exactly one of "bytes" or "fraction"/,
  );
});

test("issuesFromStandard converts segments, root paths and free-form messages", () => {
  assert.deepEqual(
    issuesFromStandard([{ message: "Expected a, got b", path: [{ key: "model" }, "depth"] }]),
    [
      { path: "model.depth", message: "model.depth: got b; expected a", expected: "a" },
    ],
  );
  assert.deepEqual(issuesFromStandard([{ message: "Missing key" }]), [{
    path: "",
    message: "body: Missing key",
  }]);
  const r = planRequestStandard["~standard"].validate({ batch: 0, x: 1 });
  assert.ok(!(r instanceof Promise) && r.issues);
  assert.deepEqual(issuesFromStandard(r.issues), issues({ batch: 0, x: 1 }, PlanRequestSchema));
});

test("jobRequestStandard plugs into sValidator and reports every issue in its hook", async () => {
  const app = new Hono().post(
    "/v1/jobs",
    sValidator("json", jobRequestStandard, (result, c) => {
      if (!result.success) return c.json({ issues: issuesFromStandard(result.error) }, 400);
    }),
    (c) => c.json(c.req.valid("json")),
  );
  const post = (body: unknown) =>
    app.request("/v1/jobs", {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
  const ok = await post({ steps: 3 });
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as JobRequest).steps, 3);
  const bad = await post({ steps: 0, seed: -1, typo: true });
  assert.equal(bad.status, 400);
  assert.deepEqual(paths(((await bad.json()) as { issues: FieldIssue[] }).issues), ["seed", "steps", "typo"]);
});

const validBody = fc.record({
  model: fc.oneof(
    fc.record({
      kind: fc.constant("mlp"),
      depth: fc.integer({ min: 1, max: 50 }),
      width: fc.integer({ min: 1, max: 512 }),
    }, {
      requiredKeys: ["kind"],
    }),
    fc.record({
      kind: fc.constant("gpt"),
      layers: fc.integer({ min: 1, max: 8 }),
      seqLen: fc.integer({ min: 1, max: 64 }),
    }, {
      requiredKeys: ["kind"],
    }),
  ),
  strategy: fc.oneof(
    fc.constant({ name: "sqrt" }),
    fc.record({ name: fc.constant("revolve"), slots: fc.integer({ min: 1, max: 9 }) }),
    fc.record({ name: fc.constant("budget"), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  ),
  batch: fc.integer({ min: 1, max: 4096 }),
  optimizer: fc.oneof(
    fc.record({ kind: fc.constant("sgd"), lr: fc.double({ min: 1e-6, max: 1, noNaN: true }) }, {
      requiredKeys: ["kind"],
    }),
    fc.record({ kind: fc.constant("adamw"), weightDecay: fc.double({ min: 0, max: 1, noNaN: true }) }, {
      requiredKeys: ["kind"],
    }),
  ),
  steps: fc.integer({ min: 1, max: 1e6 }),
  seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  backend: fc.constantFrom("cpu", "webgpu", "auto"),
}, { requiredKeys: [] });

test("parseRequest accepts random valid bodies and keeps every given value", () => {
  fc.assert(fc.property(validBody, (body) => {
    const r = job(body) as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(body)) {
      if (typeof v === "object") {
        for (const [kk, vv] of Object.entries(v)) assert.equal((r[k] as Record<string, unknown>)[kk], vv);
      } else assert.equal(r[k], v);
    }
  }));
});

const invalid: Record<string, fc.Arbitrary<unknown>> = {
  batch: fc.oneof(fc.integer({ max: 0 }), fc.double({ min: 0.1, max: 100, noInteger: true }), fc.string()),
  steps: fc.oneof(fc.integer({ max: 0 }), fc.constant(null), fc.boolean()),
  seed: fc.oneof(fc.integer({ max: -1 }), fc.constant(2 ** 40), fc.constant("0")),
  backend: fc.string().filter((s) => !["cpu", "webgpu", "auto"].includes(s)),
  strategy: fc.oneof(fc.constant({ name: "bogus" }), fc.constant([]), fc.integer()),
};

test("parseRequest reports exactly one issue per corrupted field", () => {
  const corrupt = fc.record(invalid, { requiredKeys: [] }).filter((o) => Object.keys(o).length > 0);
  fc.assert(fc.property(validBody, corrupt, (body, bad) => {
    assert.deepEqual(paths(issues({ ...body, ...bad })), Object.keys(bad).sort());
  }));
});
