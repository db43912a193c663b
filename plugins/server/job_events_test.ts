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

test("JobEvents.subscribeAll sees every job's events, with the id, past final events", () => {
  const hub = new JobEvents();
  const seen: string[] = [];
  const own: string[] = [];
  const stop = hub.subscribeAll((id, e) => seen.push(`${id}:${e.type}`));
  hub.subscribe("a", (e) => own.push(e.type));
  hub.emit("a", step(0));
  hub.emit("b", step(0));
  hub.emit("a", { type: "final", record: { id: "a" } as JobRecord });
  hub.emit("c", step(3)); // a job nobody subscribed to by id
  assert.deepEqual(seen, ["a:step", "b:step", "a:final", "c:step"]);
  assert.deepEqual(own, ["step", "final"]);
  assert.equal(hub.countAll(), 1);
  stop();
  hub.emit("a", step(1));
  assert.equal(seen.length, 4);
  assert.equal(hub.countAll(), 0);
});

test("JobEvents drops an every-job listener that throws, and the job's own listeners still hear", () => {
  const hub = new JobEvents();
  let own = 0, other = 0;
  hub.subscribeAll(() => {
    throw new Error("broken exporter");
  });
  hub.subscribeAll(() => other++);
  hub.subscribe("j", () => own++);
  hub.emit("j", step(0));
  hub.emit("j", step(1));
  assert.equal(hub.countAll(), 1);
  assert.deepEqual([own, other], [2, 2]);
});
