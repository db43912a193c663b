/**
 * Dropout: the counter-based mask matches the host formula, is a pure function of the key,
 * drops at rate p and is regenerated exactly by the backward.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { assertClose, type MakeBackend, property, Rng, seed, shapeArb, withBackend } from "./_harness.ts";
import * as ref from "./host_reference.ts";

/** Registers the dropout tests. */
export function dropoutTests(make: MakeBackend): void {
  test("dropout keeps x/(1 − p) where the counter-based mask keeps and 0 elsewhere", () =>
    property(
      make,
      fc.tuple(shapeArb(1, 3), seed, fc.constantFrom(0, 0.1, 0.5, 0.9), fc.nat()),
      async (s, [shape, sd, p, key]) => {
        const xs = new Rng(sd).shaped(shape);
        const y = s.own(s.bk.kernels.dropout(s.f32(xs, shape), p, key));
        assert.deepEqual([...y.shape], shape, "dropout shape");
        assertClose(await s.read(y), ref.dropoutRef(xs, p, key), `dropout p=${p}`);
      },
    ));

  test("dropout with p = 0 copies its input", () =>
    withBackend(make, (scoped) =>
      scoped(async (s) => {
        const xs = new Rng(7).values(100);
        const y = s.own(s.bk.kernels.dropout(s.f32(xs, [100]), 0, 1234));
        assertClose(await s.read(y), xs, "dropout p=0", { rel: 0, abs: 0 });
      })));

  test("dropout draws the same mask for the same key and another for another key", () =>
    withBackend(make, (scoped) =>
      scoped(async (s) => {
        const n = 4096, x = s.f32(new Float64Array(n).fill(1), [n]);
        const a = s.own(s.bk.kernels.dropout(x, 0.5, 0xdecafbad));
        const b = s.own(s.bk.kernels.dropout(x, 0.5, 0xdecafbad));
        const c = s.own(s.bk.kernels.dropout(x, 0.5, 0xdecafbae));
        const [ma, mb, mc] = [await s.read(a), await s.read(b), await s.read(c)];
        assert.deepEqual(ma, mb, "same key, different masks");
        let differ = 0;
        for (let i = 0; i < n; i++) if ((ma[i] === 0) !== (mc[i] === 0)) differ++;
        // independent masks at p = ½ disagree on about half the elements
        assert.ok(differ > n / 4, `another key changed only ${differ} of ${n} mask entries`);
      })));

  test("dropout drops a fraction close to p of a large tensor", () =>
    withBackend(make, (scoped) =>
      scoped(async (s) => {
        const n = 1 << 16, x = s.f32(new Float64Array(n).fill(1), [n]);
        for (const p of [0.1, 0.3, 0.5]) {
          const y = await s.read(s.own(s.bk.kernels.dropout(x, p, 42 + Math.round(p * 10))));
          let dropped = 0;
          for (let i = 0; i < n; i++) if (y[i] === 0) dropped++;
          // binomial standard deviation at n = 65536 is below 0.002
          assert.ok(Math.abs(dropped / n - p) < 0.01, `p=${p}: dropped fraction ${dropped / n}`);
        }
      })));

  test("dropoutBackward applies the forward mask and scale for the same key", () =>
    property(make, fc.tuple(seed, fc.constantFrom(0.2, 0.5, 0.8), fc.nat()), async (s, [sd, p, key]) => {
      const n = 256, r = new Rng(sd);
      const ones = s.f32(new Float64Array(n).fill(1), [n]);
      const dys = r.values(n);
      const fwd = await s.read(s.own(s.bk.kernels.dropout(ones, p, key)));
      const bwd = await s.read(s.own(s.bk.kernels.dropoutBackward(s.f32(dys, [n]), p, key)));
      // with x = 1 the forward output is the scaled mask itself
      assertClose(bwd, dys.map((g, i) => g * fwd[i]), "dropoutBackward mask");
    }));

  test("dropoutBackward in place: the out-of-place bits, written over dy's buffer", () =>
    property(make, fc.tuple(seed, fc.constantFrom(0, 0.2, 0.5, 0.8), fc.nat()), async (s, [sd, p, key]) => {
      const n = 300, r = new Rng(sd);
      const dys = r.values(n);
      const fresh = s.own(s.bk.kernels.dropoutBackward(s.f32(dys, [n]), p, key));
      const dy = s.f32(dys, [n]);
      const overwritten = s.own(s.bk.kernels.dropoutBackward(dy, p, key, true));
      // p = 0 is never recorded as an op; the kernel then copies rather than touch dy
      assert.equal(
        overwritten.storage === dy.storage,
        p > 0,
        `p = ${p}: in place exactly when there is a mask`,
      );
      assert.deepEqual(await s.bits(overwritten), await s.bits(fresh), `p = ${p}: same bits in place`);
    }));
}
