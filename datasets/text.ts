/**
 * Character-level language modelling on a text: each example is a window of `seqLen`
 * characters, the target the same window shifted by one.
 * @module
 */
import { type Dataset, InvalidArgument, mix32 } from "@remat/core";
import { CORPUS } from "./corpus.ts";

/** A character vocabulary. */
export interface Vocabulary {
  /** The characters, in id order. */
  readonly chars: string;
  /** Number of characters (code points). */
  readonly size: number;
  /** The ids of the characters of `text`; InvalidArgument for a character outside the vocabulary. */
  encode(text: string): Int32Array;
  /** The text of `ids` ("?" for an id outside the vocabulary). */
  decode(ids: ArrayLike<number>): string;
}

/**
 * The sorted set of characters of `text`.
 *
 * @example
 * ```ts
 * import { vocabularyOf } from "@remat/datasets";
 * const vocab = vocabularyOf("hello");
 * console.log(vocab.chars, vocab.encode("lol")); // "ehlo" Int32Array [2, 3, 2]
 * ```
 */
export function vocabularyOf(text: string): Vocabulary {
  // Characters are code points, so text outside the Basic Multilingual Plane round-trips.
  const list = [...new Set(text)].sort();
  const index = new Map(list.map((c, i) => [c, i]));
  return {
    chars: list.join(""),
    size: list.length,
    encode: (t) =>
      Int32Array.from([...t], (c) => {
        const id = index.get(c);
        if (id === undefined) {
          throw new InvalidArgument({
            name: "character",
            value: c,
            expected: `one of the ${list.length} characters of the vocabulary`,
          });
        }
        return id;
      }),
    decode: (ids) => Array.from(ids, (i) => list[i] ?? "?").join(""),
  };
}

/**
 * Random windows of the text (the shipped corpus by default), deterministic in (seed, step).
 *
 * @example
 * ```ts
 * import { textWindows } from "@remat/datasets";
 * const data = textWindows(32);
 * const { x, y } = data.batch(0, 2); // y is x shifted by one character
 * console.log(data.vocab.decode(x.subarray(0, 32)));
 * ```
 */
export function textWindows(
  seqLen: number,
  options: { text?: string; seed?: number } = {},
): Dataset & { vocab: Vocabulary } {
  const text = options.text ?? CORPUS;
  const seed = options.seed ?? 0;
  const vocab = vocabularyOf(text);
  const ids = vocab.encode(text);
  if (!Number.isInteger(seqLen) || seqLen < 1 || ids.length < seqLen + 1) {
    throw new InvalidArgument({
      name: "seqLen",
      value: seqLen,
      expected: `an integer in 1..${ids.length - 1} for a text of ${ids.length} characters`,
    });
  }
  return {
    name: `text(${ids.length} chars, vocab ${vocab.size})`,
    vocab,
    batch(step, size) {
      const x = new Int32Array(size * seqLen);
      const y = new Int32Array(size * seqLen);
      for (let r = 0; r < size; r++) {
        const start = mix32((mix32(seed) ^ mix32(step * size + r)) >>> 0) % (ids.length - seqLen);
        x.set(ids.subarray(start, start + seqLen), r * seqLen);
        y.set(ids.subarray(start + 1, start + seqLen + 1), r * seqLen);
      }
      return { x, y };
    },
  };
}
