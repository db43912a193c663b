/**
 * What every plot shares: text escaping, round tick values and the SVG frame.
 * @module
 */

/** Escapes text for an SVG text node or attribute value. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A round step (1, 2 or 5 × 10^k) giving about `target` intervals over `span`. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0)) return 1;
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Multiples of `step` from `from` to `to` (inclusive, within rounding). */
export function ticksOf(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let i = Math.ceil(from / step - 1e-9); i * step <= to + step * 1e-9; i++) {
    out.push(Number((i * step).toPrecision(12)) + 0);
  }
  return out;
}

/** A tick's label with as many decimals as its step needs. */
export function tickLabel(value: number, step: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return value.toFixed(decimals);
}

/** The opening of a standalone SVG of the given size, on a white background. */
export function svgOpen(width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="13">\n<rect width="${width}" height="${height}" fill="white"/>`;
}

/** A number for an SVG coordinate, to 0.1 px. */
export function px(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Bytes as MiB. */
export const MiB = 2 ** 20;
