/**
 * Plain-text tables for the terminal: columns padded to their widest cell, numbers right-aligned.
 * @module
 */

/**
 * Renders `rows` under `header`.
 * @example
 * ```ts
 * console.log(renderTable(["stage", "forwards"], [["0", "2"], ["1", "1"]]));
 * ```
 */
export function renderTable(
  header: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = header.map((_, i) =>
    rows.length > 0 && rows.every((r) => /^[-+×]?[\d.,]+\s*(%|[KMG]?i?B|ms|s)?$/.test(r[i] ?? ""))
  );
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
