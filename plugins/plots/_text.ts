/**
 * Text extents without a font engine: widths estimated from DejaVu Sans's advance widths
 * (the plots' first font; Liberation Sans and Arial are narrower, so the estimate errs wide),
 * and a title fitted to a width by wrapping it onto two lines and then shrinking its font.
 * @module
 */

/** Advance widths in em, by character class, rounded up from DejaVu Sans. */
const EM: ReadonlyArray<readonly [RegExp, number]> = [
  [/[ il.,:;'`!|j]/, 0.34],
  [/[ftrI()[\]{}\-\/]/, 0.43],
  [/[mwMW%@—…]/, 1.0],
  [/[=+<>×~÷]/, 0.84],
  [/[A-Z]/, 0.78],
  [/[0-9a-z]/, 0.64],
];

/** Bold DejaVu Sans against regular, rounded up. */
const BOLD = 1.12;

/**
 * The estimated width in px of `text` at `size` px.
 * @param text the text
 * @param font `size` in px, and whether it is `bold`
 */
export function textWidth(text: string, font: { readonly size: number; readonly bold?: boolean }): number {
  let em = 0;
  for (const ch of text) em += EM.find(([re]) => re.test(ch))?.[1] ?? 0.72;
  return em * font.size * (font.bold ? BOLD : 1);
}

/** A title as laid out by {@link fitTitle}. */
export interface FittedTitle {
  /** One or two lines. */
  readonly lines: ReadonlyArray<string>;
  /** Font size in px. */
  readonly size: number;
}

/** The two halves of `text` at the space (else the character) that makes the longer one shortest. */
function split(text: string, width: (s: string) => number): [string, string] {
  const spaces = [...text.matchAll(/ /g)].map((m) => m.index!);
  const cuts = spaces.length ? spaces : Array.from({ length: text.length - 1 }, (_, i) => i + 1);
  let best: [string, string] = [text, ""], bestWidth = Infinity;
  for (const at of cuts) {
    const a = text.slice(0, at).trimEnd(), b = text.slice(at).trimStart();
    const w = Math.max(width(a), width(b));
    if (w < bestWidth) (best = [a, b]), (bestWidth = w);
  }
  return best;
}

/**
 * `text` as is when it is at most `max` px wide, else cut short and ended with "…" to fit.
 * @param text the text
 * @param font the `max` width in px, the `size` in px and whether it is `bold`
 */
export function truncateText(
  text: string,
  font: { readonly max: number; readonly size: number; readonly bold?: boolean },
): string {
  if (textWidth(text, font) <= font.max) return text;
  let s = text;
  while (s.length > 0 && textWidth(`${s}…`, font) > font.max) s = s.slice(0, -1);
  return `${s.trimEnd()}…`;
}

/**
 * One line within `width` px: at `size` when it fits, else in a font shrunk to fit (down to
 * `minSize`), and cut short with "…" if even that is too wide.
 * @param text the line
 * @param options the `width` available, the preferred `size`, the smallest `minSize`, `bold`
 */
export function fitLine(
  text: string,
  options: {
    readonly width: number;
    readonly size: number;
    readonly minSize: number;
    readonly bold?: boolean;
  },
): { readonly text: string; readonly size: number } {
  const { width, size, minSize, bold } = options;
  const natural = textWidth(text, { size, bold });
  if (natural <= width) return { text, size };
  const fitted = Math.max(minSize, Math.floor(size * (width / natural) * 10) / 10);
  return { text: truncateText(text, { max: width, size: fitted, bold }), size: fitted };
}

/**
 * A bold title within `width` px: one line at `size` when it fits; else two lines split to
 * balance their widths, shrunk (down to `minSize`) until the longer fits; a title too long
 * even then loses its ends to "…".
 * @param title the title
 * @param options the `width` available, the preferred `size` and the smallest `minSize`
 */
export function fitTitle(
  title: string,
  options: { readonly width: number; readonly size: number; readonly minSize?: number },
): FittedTitle {
  const { width, size } = options, minSize = options.minSize ?? 10;
  const at = (s: number) => (text: string) => textWidth(text, { size: s, bold: true });
  if (at(size)(title) <= width) return { lines: [title], size };
  const lines = split(title, at(size));
  const widest = Math.max(...lines.map(at(size)));
  const fitted = Math.max(minSize, Math.floor(size * Math.min(1, width / widest) * 10) / 10);
  return { lines: lines.map((l) => truncateText(l, { max: width, size: fitted, bold: true })), size: fitted };
}

/**
 * `text` within `max` px on at most two lines: one when it fits, else broken at the last
 * space that lets the first line fit, the second cut short with "…" if too wide; text with
 * no such space stays on one line, cut short.
 * @param text the text
 * @param font the width `max` available and the `size` in px
 */
export function wrapText(text: string, font: { readonly max: number; readonly size: number }): string[] {
  if (textWidth(text, font) <= font.max) return [text];
  for (let i = text.lastIndexOf(" "); i > 0; i = text.lastIndexOf(" ", i - 1)) {
    const first = text.slice(0, i).trimEnd();
    if (first.length > 0 && textWidth(first, font) <= font.max) {
      return [first, truncateText(text.slice(i + 1).trimStart(), font)];
    }
  }
  return [truncateText(text, font)];
}
