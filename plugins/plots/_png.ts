/**
 * A small PNG decoder for checking rendered plots: 8-bit greyscale, RGB, palette and their
 * alpha variants, not interlaced (what Chromium's screenshots are). CRCs are not checked.
 * @module
 */
import { inflateSync } from "node:zlib";

/** A decoded image: `width × height` pixels, 4 bytes (RGBA) each, row by row. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Decodes a PNG file's bytes to RGBA; throws saying what is unsupported or malformed. */
export function decodePng(bytes: Uint8Array): RgbaImage {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new Error("decodePng: not a PNG (bad signature)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0,
    height = 0,
    depth = 0,
    type = 0,
    palette: Uint8Array | undefined,
    trns: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length;) {
    const len = view.getUint32(at), name = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + len);
    if (name === "IHDR") {
      width = view.getUint32(at + 8), height = view.getUint32(at + 12), depth = data[8]!, type = data[9]!;
      if (depth !== 8) throw new Error(`decodePng: bit depth ${depth} is unsupported (only 8)`);
      if (!(type in CHANNELS)) throw new Error(`decodePng: colour type ${type} is not one of 0, 2, 3, 4, 6`);
      if (data[12] !== 0) throw new Error("decodePng: interlaced PNGs are unsupported");
    } else if (name === "PLTE") palette = data;
    else if (name === "tRNS") trns = data;
    else if (name === "IDAT") idat.push(data);
    else if (name === "IEND") break;
    at += 12 + len;
  }
  if (width === 0 || height === 0 || idat.length === 0) throw new Error("decodePng: missing IHDR or IDAT");
  const ch = CHANNELS[type]!, stride = width * ch;
  const raw = new Uint8Array(inflateSync(concat(idat)));
  if (raw.length < height * (stride + 1)) {
    throw new Error(`decodePng: ${raw.length} bytes of image data, expected ${height * (stride + 1)}`);
  }
  const px = unfilter(raw, height, stride, ch);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = i * ch, d = i * 4;
    if (type === 3) {
      const k = px[s]!;
      rgba.set([
        palette?.[3 * k] ?? 0,
        palette?.[3 * k + 1] ?? 0,
        palette?.[3 * k + 2] ?? 0,
        trns?.[k] ?? 255,
      ], d);
    } else if (type === 0 || type === 4) {
      rgba.set([px[s]!, px[s]!, px[s]!, type === 4 ? px[s + 1]! : 255], d);
    } else rgba.set([px[s]!, px[s + 1]!, px[s + 2]!, type === 6 ? px[s + 3]! : 255], d);
  }
  return { width, height, rgba };
}

/** Reverses the per-row filters (None, Sub, Up, Average, Paeth) of PNG's filter method 0. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let r = 0; r < height; r++) {
    const f = raw[r * (stride + 1)]!, src = r * (stride + 1) + 1, row = r * stride, prev = row - stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? out[row + i - bpp]! : 0, b = r > 0 ? out[prev + i]! : 0;
      const c = i >= bpp && r > 0 ? out[prev + i - bpp]! : 0;
      let pred: number;
      switch (f) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) >> 1;
          break;
        case 4: {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new Error(`decodePng: row ${r} has filter type ${f}, expected 0–4`);
      }
      out[row + i] = (raw[src + i]! + pred) & 255;
    }
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

/** How much of an image is drawn: the fraction of pixels that are not near-white, and the distinct colours. */
export function inkStats(image: RgbaImage): { readonly inkFraction: number; readonly colours: number } {
  const { rgba } = image, n = image.width * image.height, colours = new Set<number>();
  let ink = 0;
  for (let i = 0; i < n; i++) {
    const r = rgba[4 * i]!, g = rgba[4 * i + 1]!, b = rgba[4 * i + 2]!;
    if (r < 245 || g < 245 || b < 245) ink++;
    colours.add((r << 16) | (g << 8) | b);
  }
  return { inkFraction: ink / Math.max(n, 1), colours: colours.size };
}
