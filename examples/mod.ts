/**
 * @remat/examples — helpers the example programs share (number formatting, a progress bar).
 * The datasets moved to `@remat/datasets`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "@remat/examples";
 * console.log(formatBytes(1536)); // "1.50 KiB"
 * ```
 * @module
 */
export { formatBytes } from "@remat/cli";
export * from "./progress.ts";
