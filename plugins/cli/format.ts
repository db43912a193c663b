/**
 * Number formatting for terminal output (the CLI, the examples, the benchmarks).
 * @module
 */

/**
 * Bytes in binary units with two decimals.
 * @example
 * ```ts
 * formatBytes(1536); // "1.50 KiB"
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  // Round before choosing the unit, so 1048575 B reads "1.00 MiB", not "1024.00 KiB".
  while (Math.abs(Number(v.toFixed(2))) >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return u === 0 ? `${v} B` : `${v.toFixed(2)} ${units[u]}`;
}
