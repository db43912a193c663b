/**
 * Renders an SVG to PNG in headless Chromium (for the render test and the example images).
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium executable: `$CHROMIUM` if set (and it exists), else the first of the usual paths that exists. */
export function findChromium(): string | undefined {
  const env = process.env.CHROMIUM;
  if (env) return existsSync(env) ? env : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/** Renders an SVG document at its own width × height and returns the screenshot's PNG bytes. */
export function renderSvgToPng(svg: string, chromium: string, timeoutMs = 120_000): Uint8Array {
  const width = Number(/<svg[^>]*\swidth="(\d+)"/.exec(svg)?.[1]);
  const height = Number(/<svg[^>]*\sheight="(\d+)"/.exec(svg)?.[1]);
  if (!(width > 0 && height > 0)) {
    throw new Error("renderSvgToPng: the <svg> has no numeric width and height");
  }
  const dir = mkdtempSync(join(tmpdir(), "remat-plots-"));
  try {
    const svgPath = join(dir, "plot.svg"), pngPath = join(dir, "plot.png");
    writeFileSync(svgPath, svg);
    const run = spawnSync(chromium, [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--hide-scrollbars",
      `--user-data-dir=${join(dir, "profile")}`,
      `--screenshot=${pngPath}`,
      `--window-size=${width},${height}`,
      `file://${svgPath}`,
    ], { timeout: timeoutMs, encoding: "utf8" });
    if (!existsSync(pngPath)) {
      const why = run.error ? String(run.error) : `exit status ${run.status}, signal ${run.signal}`;
      throw new Error(
        `renderSvgToPng: ${chromium} wrote no screenshot (${why}); stderr: ${String(run.stderr).slice(-800)}`,
      );
    }
    return new Uint8Array(readFileSync(pngPath));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
