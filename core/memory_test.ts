import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ACTIVATION_SIDE, isActivationSide, MemoryAccountant, type MemoryKind } from "./memory.ts";

const KINDS: MemoryKind[] = [
  "io",
  "activation",
  "tape",
  "gradient",
  "temporary",
  "parameter",
  "parameterGradient",
  "optimizer",
];

test("MemoryAccountant starts empty with temporary as the default kind", () => {
  const m = new MemoryAccountant();
  const r = m.report();
  for (const k of KINDS) assert.equal(r.live[k], 0, k);
  assert.equal(r.activationLive, 0);
  assert.equal(r.activationPeak, 0);
  assert.equal(r.stateBytes, 0);
  assert.equal(m.defaultKind, "temporary");
});

test("MemoryAccountant.alloc and free track live bytes per kind", () => {
  const m = new MemoryAccountant();
  KINDS.forEach((k, i) => m.alloc(10 * (i + 1), k));
  let r = m.report();
  KINDS.forEach((k, i) => assert.equal(r.live[k], 10 * (i + 1), k));
  m.free(20, "activation");
  m.free(60, "parameter");
  r = m.report();
  assert.equal(r.live.activation, 0);
  assert.equal(r.live.parameter, 0);
  assert.equal(r.live.tape, 30);
});

test("isActivationSide is true exactly for activation, tape, gradient and temporary", () => {
  assert.deepEqual(KINDS.filter(isActivationSide), ["activation", "tape", "gradient", "temporary"]);
  assert.deepEqual([...ACTIVATION_SIDE].sort(), KINDS.filter(isActivationSide).sort());
});

test("MemoryAccountant counts only activation-side kinds in activationLive and the peak", () => {
  const m = new MemoryAccountant();
  m.alloc(1000, "io");
  m.alloc(2000, "parameter");
  m.alloc(3000, "parameterGradient");
  m.alloc(4000, "optimizer");
  assert.equal(m.activationLive, 0);
  assert.equal(m.activationPeak, 0);
  m.alloc(1, "activation");
  m.alloc(2, "tape");
  m.alloc(4, "gradient");
  m.alloc(8, "temporary");
  assert.equal(m.activationLive, 15);
  assert.equal(m.activationPeak, 15);
});

test("MemoryAccountant.activationPeak is the running maximum of activationLive", () => {
  const m = new MemoryAccountant();
  m.alloc(100, "activation");
  m.alloc(50, "tape");
  m.free(100, "activation");
  m.alloc(20, "gradient");
  assert.equal(m.activationLive, 70);
  assert.equal(m.activationPeak, 150);
  m.free(1000, "io"); // not activation side: no effect on either
  assert.equal(m.activationPeak, 150);
});

test("MemoryAccountant peak equals the maximum prefix sum of any alloc/free sequence", () => {
  const arbOp = fc.record({
    kind: fc.constantFrom(...KINDS),
    bytes: fc.integer({ min: 1, max: 1000 }),
    alloc: fc.boolean(),
  });
  fc.assert(fc.property(fc.array(arbOp, { maxLength: 60 }), (ops) => {
    const m = new MemoryAccountant();
    const live = new Map<MemoryKind, number>(KINDS.map((k) => [k, 0]));
    let act = 0, peak = 0;
    for (const o of ops) {
      // Never free more than is live, as a real backend cannot.
      const bytes = o.alloc ? o.bytes : Math.min(o.bytes, live.get(o.kind)!);
      if (o.alloc) m.alloc(bytes, o.kind);
      else m.free(bytes, o.kind);
      live.set(o.kind, live.get(o.kind)! + (o.alloc ? bytes : -bytes));
      if (isActivationSide(o.kind)) act += o.alloc ? bytes : -bytes;
      peak = Math.max(peak, act);
    }
    const r = m.report();
    assert.equal(r.activationLive, act);
    assert.equal(r.activationPeak, peak);
    for (const k of KINDS) assert.equal(r.live[k], live.get(k));
  }));
});

test("MemoryAccountant.resetPeak starts the window at the current live total", () => {
  const m = new MemoryAccountant();
  m.alloc(500, "tape");
  m.free(400, "tape");
  assert.equal(m.activationPeak, 500);
  m.resetPeak();
  assert.equal(m.activationPeak, 100);
  m.alloc(50, "temporary");
  assert.equal(m.activationPeak, 150);
  m.free(150, "temporary");
  m.free(0, "tape");
  assert.equal(m.activationPeak, 150);
});

test("MemoryAccountant.retag moves bytes between kinds and may raise the peak", () => {
  const m = new MemoryAccountant();
  m.alloc(64, "parameter");
  m.retag(64, "parameter", "activation");
  let r = m.report();
  assert.equal(r.live.parameter, 0);
  assert.equal(r.live.activation, 64);
  assert.equal(r.activationPeak, 64);
  m.retag(64, "activation", "tape");
  r = m.report();
  assert.equal(r.live.activation, 0);
  assert.equal(r.live.tape, 64);
  assert.equal(r.activationLive, 64);
  assert.equal(r.activationPeak, 64);
  m.retag(64, "tape", "optimizer");
  r = m.report();
  assert.equal(r.activationLive, 0);
  assert.equal(r.live.optimizer, 64);
  assert.equal(r.stateBytes, 64);
});

test("MemoryAccountant.retag to the same kind changes nothing", () => {
  const m = new MemoryAccountant();
  m.alloc(10, "gradient");
  m.free(10, "gradient");
  m.alloc(4, "gradient");
  m.retag(4, "gradient", "gradient");
  assert.equal(m.report().live.gradient, 4);
  assert.equal(m.activationPeak, 10);
});

test("MemoryAccountant.report().stateBytes sums parameters, their gradients and optimizer state", () => {
  const m = new MemoryAccountant();
  m.alloc(100, "parameter");
  m.alloc(20, "parameterGradient");
  m.alloc(3, "optimizer");
  m.alloc(7000, "activation");
  m.alloc(9000, "io");
  assert.equal(m.report().stateBytes, 123);
});

test("MemoryAccountant.report is a snapshot, not a live view", () => {
  const m = new MemoryAccountant();
  m.alloc(8, "activation");
  const r = m.report();
  m.alloc(8, "activation");
  assert.equal(r.live.activation, 8);
  assert.equal(r.activationLive, 8);
  (r.live as Record<MemoryKind, number>).activation = 999;
  assert.equal(m.report().live.activation, 16);
});

test("withKind sets the default kind for its body only, restoring it after a throw and when nested", () => {
  const m = new MemoryAccountant();
  const seen = m.withKind(
    "tape",
    () => [m.defaultKind, m.withKind("gradient", () => m.defaultKind), m.defaultKind],
  );
  assert.deepEqual(seen, ["tape", "gradient", "tape"]);
  assert.equal(m.defaultKind, "temporary");
  assert.throws(() =>
    m.withKind("activation", () => {
      throw new Error("boom");
    }), /boom/);
  assert.equal(m.defaultKind, "temporary");
});
