import assert from "node:assert/strict";
import { test } from "node:test";
import type { PlanRequest } from "./job_types.ts";
import { crossIssues } from "./request_cross_check.ts";

const mlp = { kind: "mlp", depth: 4, width: 8, hidden: 16, classes: 3, inputs: 2 } as const;

test("crossIssues names the path, what is valid and the value seen", () => {
  const req = {
    model: { kind: "gpt", layers: 2, dModel: 64, heads: 5, seqLen: 32 },
    strategy: { name: "uniform", every: 9 },
    batch: 8,
  } as PlanRequest;
  assert.deepEqual(crossIssues(req), [
    { path: ["model", "heads"], expected: "a divisor of dModel = 64", got: "5" },
    { path: ["strategy", "every"], expected: "an integer in 1..4 (the model's stages)", got: "9" },
  ]);
});

test("crossIssues finds nothing in a consistent request and ties data to the model", () => {
  assert.deepEqual(crossIssues({ model: mlp, strategy: { name: "sqrt" }, batch: 8 } as PlanRequest), []);
  const text = crossIssues(
    { model: mlp, strategy: { name: "sqrt" }, batch: 8, data: { kind: "text" } } as PlanRequest & {
      data: { kind: "text" };
    },
  );
  assert.deepEqual(text.map((i) => i.path.join(".")), ["data.kind"]);
});
