/**
 * Optimizer steps against the host formulas: parameters and state updated in place,
 * gradients untouched, nothing allocated.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { assertClose, type MakeBackend, property, Rng, seed, shapeArb } from "./_harness.ts";
import * as ref from "./host_reference.ts";

const rate = fc.constantFrom(0, 1e-3, 0.1);

/** Registers the optimizer tests. */
export function optimizerTests(make: MakeBackend): void {
  test("sgdStep updates velocity and parameter in place by the momentum formula", () =>
    property(
      make,
      fc.tuple(shapeArb(1, 2), seed, fc.constantFrom(0.01, 0.5), fc.constantFrom(0, 0.9), rate),
      async (s, [shape, sd, lr, momentum, weightDecay]) => {
        const r = new Rng(sd);
        const p = r.shaped(shape), g = r.shaped(shape), v = r.shaped(shape);
        const tp = s.f32(p, shape), tg = s.f32(g, shape), tv = s.f32(v, shape);
        const before = s.bk.memory.report().activationLive;
        const hyper = { lr, momentum, weightDecay };
        s.bk.kernels.sgdStep(tp, tg, tv, hyper);
        assert.equal(s.bk.memory.report().activationLive, before, "sgdStep allocated memory");
        const want = ref.sgdRef(p, g, v, hyper);
        assertClose(await s.read(tp), want.p, "sgdStep param");
        assertClose(await s.read(tv), want.v, "sgdStep velocity");
        assertClose(await s.read(tg), g, "sgdStep grad (unchanged)", { rel: 0, abs: 0 });
      },
    ));

  test("adamwStep updates moments and parameter in place with bias correction", () =>
    property(
      make,
      fc.tuple(shapeArb(1, 2), seed, fc.integer({ min: 1, max: 5 }), fc.constantFrom(1e-3, 0.1), rate),
      async (s, [shape, sd, t, lr, weightDecay]) => {
        const r = new Rng(sd);
        const p = r.shaped(shape), g = r.shaped(shape), m = r.shaped(shape), v = r.shaped(shape, 0, 1);
        const tp = s.f32(p, shape), tg = s.f32(g, shape), tm = s.f32(m, shape), tv = s.f32(v, shape);
        const before = s.bk.memory.report().activationLive;
        const hyper = { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, t };
        s.bk.kernels.adamwStep(tp, tg, tm, tv, hyper);
        assert.equal(s.bk.memory.report().activationLive, before, "adamwStep allocated memory");
        const want = ref.adamwRef(p, g, m, v, hyper);
        assertClose(await s.read(tp), want.p, "adamwStep param");
        assertClose(await s.read(tm), want.m, "adamwStep m");
        assertClose(await s.read(tv), want.v, "adamwStep v");
        assertClose(await s.read(tg), g, "adamwStep grad (unchanged)", { rel: 0, abs: 0 });
      },
    ));
}
