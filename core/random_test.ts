import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { bitsAt, dropThreshold, keeps, keyHash, mix32, normalAt, type RandomKey } from "./random.ts";

const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** Inverse of an odd multiplier modulo 2^32 (Newton's iteration doubles the correct bits). */
function inverseOdd(a: number): number {
  let inv = a;
  for (let i = 0; i < 5; i++) inv = Math.imul(inv, (2 - Math.imul(a, inv)) >>> 0) >>> 0;
  return inv >>> 0;
}

/** mix32 run backwards: undoes each xorshift and multiply in reverse order. */
function unmix32(y: number): number {
  y = (y ^ (y >>> 16)) >>> 0;
  y = Math.imul(y, inverseOdd(0x846ca68b)) >>> 0;
  y = (y ^ (y >>> 15) ^ (y >>> 30)) >>> 0;
  y = Math.imul(y, inverseOdd(0x7feb352d)) >>> 0;
  y = (y ^ (y >>> 16)) >>> 0;
  return y;
}

test("mix32 returns a u32 and is deterministic", () => {
  fc.assert(fc.property(u32, (x) => {
    const y = mix32(x);
    assert.ok(Number.isInteger(y) && y >= 0 && y <= 0xffffffff);
    assert.equal(mix32(x), y);
  }));
  assert.equal(mix32(0), 0);
  assert.notEqual(mix32(1), 1);
});

test("mix32 is a bijection: an explicit inverse recovers every input", () => {
  assert.equal(Math.imul(0x7feb352d, inverseOdd(0x7feb352d)) >>> 0, 1);
  fc.assert(fc.property(u32, (x) => assert.equal(unmix32(mix32(x)), x)), { numRuns: 2000 });
});

test("mix32 has no collisions on 2^16 consecutive and 2^16 spread inputs", () => {
  const inputs = new Set<number>();
  for (let i = 0; i < 1 << 16; i++) inputs.add(i).add((i * 0x9e3779b1 + 12345) >>> 0);
  const outputs = new Set([...inputs].map(mix32));
  assert.ok(inputs.size > 1 << 16);
  assert.equal(outputs.size, inputs.size);
});

test("mix32 treats an input congruent mod 2^32 as the same input", () => {
  assert.equal(mix32(-1), mix32(0xffffffff));
  assert.equal(mix32(2 ** 32 + 5), mix32(5));
});

test("keyHash is deterministic and changes when any one of seed, step, stage or site changes", () => {
  const arbKey = fc.record({
    seed: u32,
    step: u32,
    stage: fc.integer({ min: 0, max: 1000 }),
    site: fc.integer({ min: 0, max: 1000 }),
  });
  fc.assert(
    fc.property(
      arbKey,
      fc.constantFrom("seed", "step", "stage", "site"),
      fc.integer({ min: 1, max: 1000 }),
      (key, field, delta) => {
        const h = keyHash(key);
        assert.equal(keyHash({ ...key }), h);
        const other: RandomKey = { ...key, [field]: (key[field as keyof RandomKey] + delta) >>> 0 };
        assert.notEqual(keyHash(other), h, `${field} +${delta}`);
      },
    ),
    { numRuns: 2000 },
  );
});

test("keyHash distinguishes swapped fields", () => {
  assert.notEqual(
    keyHash({ seed: 1, step: 2, stage: 0, site: 0 }),
    keyHash({ seed: 2, step: 1, stage: 0, site: 0 }),
  );
  assert.notEqual(
    keyHash({ seed: 0, step: 0, stage: 3, site: 4 }),
    keyHash({ seed: 0, step: 0, stage: 4, site: 3 }),
  );
});

test("bitsAt differs across neighbouring indices and keys", () => {
  const k = keyHash({ seed: 7, step: 0, stage: 0, site: 0 });
  const seen = new Set<number>();
  for (let i = 0; i < 4096; i++) seen.add(bitsAt(k, i));
  assert.equal(seen.size, 4096);
  assert.notEqual(bitsAt(k, 0), bitsAt(k + 1, 0));
});

test("dropThreshold maps p=0 to 0 and p near 1 to the top of the u32 range", () => {
  assert.equal(dropThreshold(0), 0);
  assert.equal(dropThreshold(0.5), 2 ** 31);
  assert.equal(dropThreshold(0.25), 2 ** 30);
  assert.equal(dropThreshold(1 - 2 ** -20), 2 ** 32 - 2 ** 12);
  assert.equal(dropThreshold(1 - 1e-12), 0xffffffff);
  assert.equal(dropThreshold(1), 0xffffffff); // clamped: never 2^32
});

test("dropThreshold is monotone in p and stays within u32", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        assert.ok(dropThreshold(lo) <= dropThreshold(hi));
        assert.ok(dropThreshold(hi) >= 0 && dropThreshold(hi) <= 0xffffffff);
      },
    ),
  );
});

test("keeps keeps every element when p=0", () => {
  const k = keyHash({ seed: 1, step: 2, stage: 3, site: 4 });
  const t = dropThreshold(0);
  for (let i = 0; i < 10_000; i++) assert.equal(keeps(k, i, t), true);
});

test("keeps has an empirical keep rate of 1-p within five sigma over 1e5 indices", () => {
  const n = 100_000;
  for (const [p, seed] of [[0.1, 1], [0.5, 2], [0.9, 3], [0.02, 4]] as const) {
    const k = keyHash({ seed, step: 5, stage: 1, site: 0 });
    const t = dropThreshold(p);
    let kept = 0;
    for (let i = 0; i < n; i++) if (keeps(k, i, t)) kept++;
    const sigma = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(kept - n * (1 - p)) < 5 * sigma, `p=${p}: kept ${kept} of ${n}`);
  }
});

test("keeps draws different masks for different keys", () => {
  const t = dropThreshold(0.5);
  const a = keyHash({ seed: 0, step: 0, stage: 0, site: 0 });
  const b = keyHash({ seed: 0, step: 0, stage: 0, site: 1 });
  let differ = 0;
  for (let i = 0; i < 1000; i++) if (keeps(a, i, t) !== keeps(b, i, t)) differ++;
  assert.ok(differ > 400 && differ < 600, `masks differ at ${differ} of 1000`);
});

test("normalAt has mean near 0 and variance near 1 over 2e4 draws", () => {
  const n = 20_000;
  for (const [seed, stream] of [[0, 0], [42, 7]]) {
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = normalAt(seed, stream, i);
      assert.ok(Number.isFinite(z));
      s += z;
      s2 += z * z;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    // Standard errors: 1/√n ≈ 0.007 for the mean, √(2/n) ≈ 0.01 for the variance.
    assert.ok(Math.abs(mean) < 0.04, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.06, `variance ${variance}`);
  }
});

test("normalAt puts about 68% of draws within one standard deviation", () => {
  const n = 20_000;
  let inside = 0;
  for (let i = 0; i < n; i++) if (Math.abs(normalAt(3, 1, i)) < 1) inside++;
  assert.ok(Math.abs(inside / n - 0.6827) < 0.02, `${inside / n}`);
});

test("normalAt is deterministic and depends on seed, stream and index", () => {
  fc.assert(
    fc.property(
      u32,
      fc.integer({ min: 0, max: 1 << 20 }),
      fc.integer({ min: 0, max: 1 << 20 }),
      (seed, stream, i) => {
        const z = normalAt(seed, stream, i);
        assert.equal(normalAt(seed, stream, i), z);
        assert.notEqual(normalAt(seed, stream, i + 1), z);
        assert.notEqual(normalAt(seed, stream + 1, i), z);
        assert.notEqual(normalAt((seed + 1) >>> 0, stream, i), z);
      },
    ),
  );
});
