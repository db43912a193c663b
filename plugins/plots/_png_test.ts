import assert from "node:assert/strict";
import { test } from "node:test";
import { deflateSync } from "node:zlib";
import { decodePng, inkStats } from "./_png.ts";

/** A PNG of 8-bit samples, row r filtered with filter type `filters[r % filters.length]`. */
function encodePng(
  width: number,
  height: number,
  type: number,
  samples: Uint8Array,
  extra: Array<[string, Uint8Array]> = [],
) {
  const ch = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[type]!, stride = width * ch;
  const raw = new Uint8Array(height * (stride + 1));
  for (let r = 0; r < height; r++) {
    const f = r % 5, row = samples.subarray(r * stride, (r + 1) * stride);
    const prev = r > 0 ? samples.subarray((r - 1) * stride, r * stride) : new Uint8Array(stride);
    raw[r * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= ch ? row[i - ch]! : 0, b = prev[i]!, c = i >= ch ? prev[i - ch]! : 0;
      const p = a + b - c, [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f]!;
      raw[r * (stride + 1) + 1 + i] = (row[i]! - pred) & 255;
    }
  }
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, type, 0, 0, 0], 8);
  const z = new Uint8Array(deflateSync(raw));
  const chunks: Array<[string, Uint8Array]> = [["IHDR", ihdr], ...extra, ["IDAT", z.subarray(0, 7)], [
    "IDAT",
    z.subarray(7),
  ], ["IEND", new Uint8Array()]];
  const parts: Uint8Array[] = [Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10)];
  for (const [name, data] of chunks) {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, data.length);
    head.set([...name].map((c) => c.charCodeAt(0)), 4);
    parts.push(head, data, new Uint8Array(4)); // CRC left zero: the decoder does not check it
  }
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

const W = 7, H = 11;
const pattern = (ch: number) =>
  Uint8Array.from({ length: W * H * ch }, (_, i) => (i * 37 + ((i * i) >> 3)) & 255);

test("decodePng reverses all five row filters for RGBA, RGB, grey and grey+alpha", () => {
  for (const [type, ch] of [[6, 4], [2, 3], [0, 1], [4, 2]] as const) {
    const s = pattern(ch), img = decodePng(encodePng(W, H, type, s));
    assert.deepEqual([img.width, img.height], [W, H]);
    for (let i = 0; i < W * H; i++) {
      const px = [...img.rgba.subarray(4 * i, 4 * i + 4)];
      const src = [...s.subarray(i * ch, (i + 1) * ch)];
      const want = ch === 4
        ? src
        : ch === 3
        ? [...src, 255]
        : ch === 1
        ? [src[0], src[0], src[0], 255]
        : [src[0], src[0], src[0], src[1]];
      assert.deepEqual(px, want, `type ${type}, pixel ${i}`);
    }
  }
});

test("decodePng looks palette indices up in PLTE and tRNS", () => {
  const plte = Uint8Array.of(255, 0, 0, 0, 255, 0, 0, 0, 255), trns = Uint8Array.of(255, 128);
  const idx = Uint8Array.from({ length: W * H }, (_, i) => i % 3);
  const img = decodePng(encodePng(W, H, 3, idx, [["PLTE", plte], ["tRNS", trns]]));
  assert.deepEqual([...img.rgba.subarray(0, 12)], [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255]);
});

test("decodePng rejects what it cannot read, saying what", () => {
  assert.throws(() => decodePng(Uint8Array.of(1, 2, 3)), /not a PNG/);
  const png = encodePng(W, H, 6, pattern(4));
  const deep = png.slice();
  deep[8 + 8 + 8] = 16; // IHDR bit depth
  assert.throws(() => decodePng(deep), /bit depth 16/);
});

test("inkStats counts non-white pixels and distinct colours", () => {
  const rgba = Uint8Array.of(255, 255, 255, 255, 0, 0, 0, 255, 250, 250, 250, 255, 10, 200, 30, 255);
  assert.deepEqual(inkStats({ width: 2, height: 2, rgba }), { inkFraction: 0.5, colours: 4 });
});
