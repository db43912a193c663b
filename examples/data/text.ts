/**
 * Character-level language modelling on a text: each example is a window of `seqLen`
 * characters, the target the same window shifted by one.
 * @module
 */
import { type Dataset, InvalidArgument, mix32 } from "@remat/core";
import { CORPUS } from "./corpus.ts";

/** A character vocabulary. */
export interface Vocabulary {
  readonly chars: string;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

/** The sorted set of characters of `text`. */
export function vocabularyOf(text: string): Vocabulary {
  const chars = [...new Set(text)].sort().join("");
  const index = new Map([...chars].map((c, i) => [c, i]));
  return {
    chars,
    encode: (t) => Int32Array.from([...t], (c) => index.get(c) ?? 0),
    decode: (ids) => Array.from(ids, (i) => chars[i] ?? "?").join(""),
  };
}

/** Random windows of the text (the shipped corpus by default), deterministic in (seed, step). */
export function textWindows(seqLen: number, options: { text?: string; seed?: number } = {}): Dataset & { vocab: Vocabulary } {
  const text = options.text ?? CORPUS;
  const seed = options.seed ?? 0;
  if (text.length < seqLen + 2) {
    throw new InvalidArgument({ name: "seqLen", value: seqLen, expected: `at most ${text.length - 2} for a text of ${text.length} characters` });
  }
  const vocab = vocabularyOf(text);
  const ids = vocab.encode(text);
  return {
    name: `text(${text.length} chars, vocab ${vocab.chars.length})`,
    vocab,
    batch(step, size) {
      const x = new Int32Array(size * seqLen);
      const y = new Int32Array(size * seqLen);
      for (let r = 0; r < size; r++) {
        const start = mix32((mix32(seed) ^ mix32(step * size + r)) >>> 0) % (ids.length - seqLen - 1);
        x.set(ids.subarray(start, start + seqLen), r * seqLen);
        y.set(ids.subarray(start + 1, start + seqLen + 1), r * seqLen);
      }
      return { x, y };
    },
  };
}
