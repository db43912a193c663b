/**
 * Test support: a strict little parser for the SVG the plots write (elements, attributes in
 * double quotes, escaped text; no comments or CDATA), and queries over the tree.
 * @module
 */
import { textWidth } from "./_text.ts";

/** One element of a parsed SVG. */
export interface SvgElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: SvgElement[];
  /** The element's own text, entities decoded (children's text excluded). */
  text: string;
}

const TAG = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
const ATTR = /([\w:-]+)="([^"]*)"/g;
const BAD_TEXT = /<|&(?!(amp|lt|gt|quot|apos|#\d+);)/;

/** Parses an SVG document; throws saying where a tag is unbalanced or text is unescaped. */
export function parseSvg(svg: string): SvgElement {
  const stack: SvgElement[] = [{ name: "#document", attrs: {}, children: [], text: "" }];
  let at = 0;
  while (at < svg.length) {
    const lt = svg.indexOf("<", at);
    const text = svg.slice(at, lt < 0 ? svg.length : lt);
    if (BAD_TEXT.test(text)) {
      throw new Error(`parseSvg: unescaped text at ${at}: ${JSON.stringify(text.slice(0, 60))}`);
    }
    if (text.trim()) {
      if (stack.length === 1) throw new Error(`parseSvg: text outside the root element at ${at}`);
      stack.at(-1)!.text += decode(text);
    }
    if (lt < 0) break;
    TAG.lastIndex = lt;
    const m = TAG.exec(svg);
    if (!m) throw new Error(`parseSvg: malformed tag at ${lt}: ${JSON.stringify(svg.slice(lt, lt + 60))}`);
    const [whole, close, name, attrText, selfClose] = m;
    if (close) {
      const open = stack.pop()!;
      if (open.name !== name) throw new Error(`parseSvg: </${name}> at ${lt} closes <${open.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const [, k, v] of attrText!.matchAll(ATTR)) {
        if (BAD_TEXT.test(v!)) throw new Error(`parseSvg: unescaped attribute ${k} at ${lt}`);
        attrs[k!] = decode(v!);
      }
      const el: SvgElement = { name: name!, attrs, children: [], text: "" };
      stack.at(-1)!.children.push(el);
      if (!selfClose) stack.push(el);
    }
    at = lt + whole!.length;
  }
  if (stack.length !== 1) throw new Error(`parseSvg: <${stack.at(-1)!.name}> is never closed`);
  const roots = stack[0]!.children;
  if (roots.length !== 1 || roots[0]!.name !== "svg") {
    throw new Error("parseSvg: expected exactly one root <svg>");
  }
  return roots[0]!;
}

function decode(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d))).replace(/&amp;/g, "&");
}

/** Every element under (and including) `root` for which `match` holds, in document order. */
export function findAll(root: SvgElement, match: (el: SvgElement) => boolean): SvgElement[] {
  const out: SvgElement[] = [];
  const walk = (el: SvgElement) => {
    if (match(el)) out.push(el);
    el.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** Elements whose class attribute contains `cls`. */
export function byClass(root: SvgElement, cls: string): SvgElement[] {
  return findAll(root, (el) => (el.attrs.class ?? "").split(/\s+/).includes(cls));
}

/** The text of every `<text>` element. */
export function texts(root: SvgElement): string[] {
  return findAll(root, (el) => el.name === "text").map((el) => el.text);
}

/** A polyline's or polygon's points as [x, y] pairs. */
export function pointsOf(el: SvgElement): Array<[number, number]> {
  return (el.attrs.points ?? "").trim().split(/\s+/).map((p) => p.split(",").map(Number) as [number, number]);
}

/** The linear map from SVG coordinate to value given by numeric tick labels (first and last). */
export function tickScale(ticks: ReadonlyArray<SvgElement>, axis: "x" | "y"): (coord: number) => number {
  const pts = ticks.map((t) => [Number(t.attrs[axis]), parseFloat(t.text)] as const);
  const [c0, v0] = pts[0]!, [c1, v1] = pts.at(-1)!;
  return (c) => v0 + ((c - c0) / (c1 - c0)) * (v1 - v0);
}

/** The estimated box of a `<text>` element, in the SVG's coordinates. */
export interface TextBox {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/**
 * The estimated box of a `<text>` element: its width from {@link textWidth} (DejaVu Sans
 * advance widths), its height from the font size (ascent 0.8 em, descent 0.25 em, or ±0.5 em
 * when centred), placed by x, y, text-anchor and a `translate(x y) rotate(-90)` transform.
 */
export function textBox(el: SvgElement, rootFontSize = 13): TextBox {
  const size = Number(el.attrs["font-size"] ?? rootFontSize);
  const width = textWidth(el.text, { size, bold: el.attrs["font-weight"] === "bold" });
  const anchor = el.attrs["text-anchor"] ?? "start";
  const from = anchor === "middle" ? -width / 2 : anchor === "end" ? -width : 0;
  const [up, down] = el.attrs["dominant-baseline"] === "central"
    ? [0.5 * size, 0.5 * size]
    : [0.8 * size, 0.25 * size];
  const m = /^translate\(([-\d.]+)[ ,]+([-\d.]+)\)\s*rotate\(-90\)$/.exec(el.attrs.transform ?? "");
  if (m) {
    const [tx, ty] = [Number(m[1]), Number(m[2])];
    return { left: tx - up, right: tx + down, top: ty - from - width, bottom: ty - from };
  }
  if (el.attrs.transform !== undefined) {
    throw new Error(`textBox: unsupported transform ${el.attrs.transform}`);
  }
  const x = Number(el.attrs.x ?? 0), y = Number(el.attrs.y ?? 0);
  return { left: x + from, right: x + from + width, top: y - up, bottom: y + down };
}

/**
 * The legend's labels (`<text class="legend">`), a label wrapped onto a second line 15 px
 * below joined back with a space.
 */
export function legendLabels(root: SvgElement): string[] {
  const out: string[] = [];
  let lastY = -Infinity;
  for (const el of byClass(root, "legend")) {
    const y = Number(el.attrs.y);
    if (out.length > 0 && y - lastY === 15) out[out.length - 1] += ` ${el.text}`;
    else out.push(el.text);
    lastY = y;
  }
  return out;
}
