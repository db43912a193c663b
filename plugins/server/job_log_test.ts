import assert from "node:assert/strict";
import { test } from "node:test";
import type { LogFields } from "./json_log.ts";
import { jobTransitionFields, jobTransitionLog } from "./job_log.ts";
import type { JobRecord } from "./job_types.ts";

const record = (over: Partial<JobRecord>): JobRecord =>
  ({
    id: "job_1",
    state: "running",
    request: { steps: 10 },
    createdAt: "2025-01-01T00:00:00.000Z",
    stepsDone: 3,
    hasWeights: false,
    ...over,
  }) as JobRecord;

test("a transition is one line: id, state, progress, and the error of a failed job at level error", () => {
  assert.deepEqual(jobTransitionFields(record({})), {
    level: "info",
    msg: "job",
    id: "job_1",
    state: "running",
    stepsDone: 3,
    steps: 10,
  });
  const failed = jobTransitionFields(
    record({ state: "failed", error: { tag: "OutOfMemory", message: "no room" } }),
  );
  assert.deepEqual([failed.level, failed.errorTag, failed.error], ["error", "OutOfMemory", "no room"]);
  assert.equal(jobTransitionFields(record({ state: "interrupted" })).level, "warn");
  assert.equal(jobTransitionFields(record({ state: "succeeded", stepsDone: 10 })).level, "info");
});

test("jobTransitionLog writes each transition to its sink", () => {
  const lines: LogFields[] = [];
  const onTransition = jobTransitionLog((f) => void lines.push(f));
  onTransition(record({ state: "queued", stepsDone: 0 }));
  onTransition(record({ state: "running", stepsDone: 0 }));
  assert.deepEqual(lines.map((l) => l.state), ["queued", "running"]);
});
