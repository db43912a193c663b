import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { InvalidArgument } from "@remat/core";
import { CORPUS } from "./corpus.ts";
import { spirals } from "./spirals.ts";
import { regressionTeacher, teacher } from "./teacher.ts";
import { textWindows, vocabularyOf } from "./text.ts";

const range = (xs: ArrayLike<number>) => [Math.min(...Array.from(xs)), Math.max(...Array.from(xs))];

describe("spirals", () => {
  test("spirals batches hold 2-D points and one label per point", () => {
    const { x, y } = spirals().batch(0, 16);
    assert.ok(x instanceof Float32Array);
    assert.ok(y instanceof Int32Array);
    assert.equal(x.length, 32);
    assert.equal(y.length, 16);
  });

  test("spirals labels lie in [0, classes) and every arm appears", () => {
    for (const classes of [2, 3, 5]) {
      const { y } = spirals({ classes }).batch(2, 500);
      assert.deepEqual(range(y), [0, classes - 1]);
      assert.equal(new Set(y).size, classes);
    }
  });

  test("spirals points lie within the unit disc plus the noise", () => {
    const noise = 0.05;
    const { x } = spirals({ noise }).batch(0, 1000);
    for (let i = 0; i < 1000; i++) {
      const r = Math.hypot(x[2 * i]!, x[2 * i + 1]!);
      assert.ok(r <= 1 + 2 * noise, `point ${i} at radius ${r}`);
    }
  });

  test("spirals gives the same batch for the same (step, size) and seed", () => {
    const a = spirals({ classes: 3, seed: 4 }).batch(7, 32);
    const b = spirals({ classes: 3, seed: 4 }).batch(7, 32);
    assert.deepEqual(a, b);
  });

  test("spirals gives different batches for different steps and seeds", () => {
    const d = spirals();
    assert.notDeepEqual(d.batch(0, 32).x, d.batch(1, 32).x);
    assert.notDeepEqual(spirals({ seed: 1 }).batch(0, 32).x, d.batch(0, 32).x);
  });

  test("spirals with zero noise puts each point exactly on its arm", () => {
    const classes = 3;
    const { x, y } = spirals({ classes, noise: 0 }).batch(0, 200);
    for (let i = 0; i < 200; i++) {
      const px = x[2 * i]!, py = x[2 * i + 1]!;
      const t = (Math.hypot(px, py) - 0.1) / 0.9;
      const angle = t * 3 * Math.PI + (2 * Math.PI * y[i]!) / classes;
      assert.ok(Math.abs(px - (0.1 + 0.9 * t) * Math.cos(angle)) < 1e-4, `point ${i}`);
      assert.ok(Math.abs(py - (0.1 + 0.9 * t) * Math.sin(angle)) < 1e-4, `point ${i}`);
    }
  });
});

describe("teacher", () => {
  const opts = { inputs: 6, classes: 4, hidden: 8, seed: 3 };

  test("teacher batches hold size × inputs features and size labels", () => {
    const { x, y } = teacher(opts).batch(0, 10);
    assert.ok(x instanceof Float32Array);
    assert.equal(x.length, 60);
    assert.equal(y.length, 10);
  });

  test("teacher labels lie in [0, classes) and use more than one class", () => {
    const { y } = teacher(opts).batch(0, 400);
    const [lo, hi] = range(y);
    assert.ok(lo! >= 0 && hi! < opts.classes);
    assert.ok(new Set(y).size > 1, `labels ${[...new Set(y)]}`);
    // No class should swallow almost everything with a random teacher of this size.
    const counts = new Array(opts.classes).fill(0);
    for (const c of y) counts[c]++;
    assert.ok(Math.max(...counts) < 0.9 * y.length, `counts ${counts}`);
  });

  test("teacher inputs are roughly standard normal", () => {
    const { x } = teacher(opts).batch(1, 2000);
    let s = 0, s2 = 0;
    for (const v of x) (s += v), (s2 += v * v);
    const mean = s / x.length;
    assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(s2 / x.length - 1) < 0.1, `second moment ${s2 / x.length}`);
  });

  test("teacher gives the same batch for the same (step, size) and different ones otherwise", () => {
    const d = teacher(opts);
    assert.deepEqual(d.batch(5, 8), teacher(opts).batch(5, 8));
    assert.notDeepEqual(d.batch(5, 8).x, d.batch(6, 8).x);
    assert.notDeepEqual(teacher({ ...opts, seed: 4 }).batch(5, 8).x, d.batch(5, 8).x);
  });

  test("teacher labels each row independently of the batch it is in", () => {
    const d = teacher(opts);
    const big = d.batch(0, 8);
    const small = d.batch(1, 4); // rows 4..7 of the same stream
    assert.deepEqual(small.x, big.x.subarray(4 * opts.inputs));
    assert.deepEqual(small.y, big.y.subarray(4));
  });
});

describe("vocabularyOf", () => {
  test("vocabularyOf lists the sorted distinct characters", () => {
    assert.equal(vocabularyOf("banana").chars, "abn");
    assert.equal(vocabularyOf("").chars, "");
  });

  test("vocabularyOf encode/decode round-trips the corpus and any text over its characters", () => {
    const v = vocabularyOf(CORPUS);
    assert.equal(v.decode(v.encode(CORPUS)), CORPUS);
    assert.ok(v.chars.includes("\n") && v.chars.includes(" "));
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme-ascii" }),
        fc.string({ unit: fc.constantFrom("é", "—", "ü", "∂") }),
        (a, b) => {
          const text = a + b;
          const voc = vocabularyOf(text);
          const ids = voc.encode(text);
          assert.equal(ids.length, text.length);
          for (const id of ids) assert.ok(id >= 0 && id < voc.chars.length);
          assert.equal(voc.decode(ids), text);
        },
      ),
    );
  });
});

describe("textWindows", () => {
  test("textWindows batches hold size × seqLen ids in the vocabulary", () => {
    const d = textWindows(16);
    const { x, y } = d.batch(0, 4);
    assert.ok(x instanceof Int32Array);
    assert.equal(x.length, 64);
    assert.equal(y.length, 64);
    for (const id of [...x, ...y]) assert.ok(id >= 0 && id < d.vocab.chars.length);
    assert.equal(d.vocab.chars, vocabularyOf(CORPUS).chars);
  });

  test("textWindows target is the input shifted by one character of the text", () => {
    const seqLen = 12;
    const d = textWindows(seqLen, { seed: 9 });
    const { x, y } = d.batch(3, 20);
    for (let r = 0; r < 20; r++) {
      const xs = x.subarray(r * seqLen, (r + 1) * seqLen);
      const ys = y.subarray(r * seqLen, (r + 1) * seqLen);
      assert.deepEqual(ys.subarray(0, seqLen - 1), xs.subarray(1));
      const window = d.vocab.decode(xs) + d.vocab.decode(ys.subarray(seqLen - 1));
      assert.ok(CORPUS.includes(window), `row ${r}: ${JSON.stringify(window)}`);
    }
  });

  test("textWindows is deterministic in (seed, step, size) and differs across steps", () => {
    const d = textWindows(8, { seed: 2 });
    assert.deepEqual(d.batch(4, 6), textWindows(8, { seed: 2 }).batch(4, 6));
    assert.notDeepEqual(d.batch(4, 6).x, d.batch(5, 6).x);
    assert.notDeepEqual(textWindows(8, { seed: 3 }).batch(4, 6).x, d.batch(4, 6).x);
  });

  test("textWindows uses a custom text", () => {
    const d = textWindows(3, { text: "abcabcabc" });
    assert.equal(d.vocab.chars, "abc");
    assert.equal(d.name, "text(9 chars, vocab 3)");
    const { x, y } = d.batch(0, 5);
    for (let i = 0; i < x.length; i++) assert.equal(y[i], (x[i]! + 1) % 3);
  });

  test("vocabularyOf round-trips characters outside the Basic Multilingual Plane", () => {
    const v = vocabularyOf("a😀b😀");
    assert.equal(v.size, 3);
    assert.equal(v.decode(v.encode("b😀a")), "b😀a");
    assert.throws(() => v.encode("z"), /invalid character: got "z"/);
  });

  test("textWindows accepts the longest seqLen a text allows", () => {
    const d = textWindows(5, { text: "abcdef" });
    const { x, y } = d.batch(0, 3);
    assert.equal(d.vocab.decode(x), "abcde".repeat(3));
    assert.equal(d.vocab.decode(y), "bcdef".repeat(3));
  });

  test("textWindows rejects a seqLen too long for the text with InvalidArgument naming it", () => {
    assert.throws(() => textWindows(6, { text: "abcdef" }), (e: unknown) => {
      assert.ok(e instanceof InvalidArgument);
      assert.equal(e.name, "seqLen");
      assert.equal(e.value, 6);
      assert.match(
        e.message,
        /invalid seqLen: got 6; expected an integer in 1\.\.5 for a text of 6 characters/,
      );
      return true;
    });
    assert.throws(() => textWindows(CORPUS.length), InvalidArgument);
  });
});

describe("regressionTeacher", () => {
  const opts = { inputs: 6, outputs: 3, hidden: 8, seed: 3 };

  test("regressionTeacher gives f32 targets [size, outputs] whose argmax is teacher's label, on the same inputs", () => {
    const { x, y } = regressionTeacher(opts).batch(2, 50);
    const labelled = teacher({ inputs: 6, classes: 3, hidden: 8, seed: 3 }).batch(2, 50);
    assert.ok(y instanceof Float32Array);
    assert.equal(y.length, 150);
    assert.deepEqual(x, labelled.x);
    for (let r = 0; r < 50; r++) {
      const row: number[] = Array.from((y as Float32Array).subarray(3 * r, 3 * r + 3));
      assert.equal(row.indexOf(Math.max(...row)), labelled.y[r], `row ${r}`);
    }
  });

  test("regressionTeacher targets vary and are deterministic in (step, size)", () => {
    const d = regressionTeacher(opts);
    const { y } = d.batch(0, 200);
    const [lo, hi] = range(y);
    assert.ok(hi! - lo! > 0.5, `targets span ${lo}..${hi}`);
    assert.deepEqual(d.batch(4, 8), regressionTeacher(opts).batch(4, 8));
  });
});
