/**
 * Number formatting for example output.
 * @module
 */

/** 1536 → "1.50 KiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) (v /= 1024), u++;
  return u === 0 ? `${v} B` : `${v.toFixed(2)} ${units[u]}`;
}
