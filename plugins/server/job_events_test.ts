import assert from "node:assert/strict";
import { test } from "node:test";
import { type JobEvent, JobEvents } from "./job_events.ts";
import type { JobRecord } from "./job_types.ts";

const step = (n: number): JobEvent => ({
  type: "step",
  metric: { step: n, loss: 1 / (n + 1), ms: 1, peakBytes: 8 },
});

test("JobEvents delivers a job's events only to its own listeners, in order", () => {
  const hub = new JobEvents();
  const a: number[] = [], b: number[] = [];
  hub.subscribe("a", (e) => e.type === "step" && a.push(e.metric.step));
  hub.subscribe("b", (e) => e.type === "step" && b.push(e.metric.step));
  hub.emit("a", step(0));
  hub.emit("a", step(1));
  hub.emit("b", step(7));
  assert.deepEqual(a, [0, 1]);
  assert.deepEqual(b, [7]);
});

test("JobEvents unsubscribes, and drops every listener after the final event", () => {
  const hub = new JobEvents();
  const seen: string[] = [];
  const stop = hub.subscribe("j", (e) => seen.push(`x:${e.type}`));
  hub.subscribe("j", (e) => seen.push(`y:${e.type}`));
  hub.emit("j", step(0));
  stop();
  assert.equal(hub.count("j"), 1);
  hub.emit("j", { type: "final", record: { id: "j" } as JobRecord });
  assert.equal(hub.count("j"), 0);
  hub.emit("j", step(1));
  assert.deepEqual(seen, ["x:step", "y:step", "y:final"]);
});

test("JobEvents drops a listener that throws and still reaches the others", () => {
  const hub = new JobEvents();
  let calls = 0;
  hub.subscribe("j", () => {
    throw new Error("client went away");
  });
  hub.subscribe("j", () => calls++);
  hub.emit("j", step(0));
  hub.emit("j", step(1));
  assert.equal(calls, 2);
  assert.equal(hub.count("j"), 1);
});
