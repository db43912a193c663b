/**
 * Interleaved spirals: `classes` arms winding around the origin, points with a little noise.
 * A classic dataset that a linear model cannot fit and a deep MLP can.
 * @module
 */
import { type Dataset, mix32 } from "@remat/core";

/** Options of `spirals`. */
export interface SpiralOptions {
  /** Number of arms, one class each; default 2. */
  readonly classes?: number;
  /** Standard deviation-like jitter of each point; default 0.05. */
  readonly noise?: number;
  /** Seeds the points; default 0. */
  readonly seed?: number;
}

/**
 * A dataset of 2-D points on `classes` interleaved spiral arms.
 *
 * @example
 * ```ts
 * import { spirals } from "@remat/datasets";
 * const { x, y } = spirals({ classes: 3, seed: 1 }).batch(0, 4);
 * console.log(x.length, y.length); // 8 4
 * ```
 */
export function spirals(options: SpiralOptions = {}): Dataset {
  const classes = options.classes ?? 2;
  const noise = options.noise ?? 0.05;
  const seed = options.seed ?? 0;
  return {
    name: `spirals(classes=${classes})`,
    batch(step, size) {
      const x = new Float32Array(size * 2);
      const y = new Int32Array(size);
      for (let i = 0; i < size; i++) {
        const id = step * size + i;
        const u = (k: number) => mix32((mix32(seed ^ 0x5eed) ^ mix32(id * 4 + k)) >>> 0) / 4294967296;
        const arm = Math.floor(u(0) * classes);
        const t = u(1);
        const angle = t * 3 * Math.PI + (2 * Math.PI * arm) / classes;
        const r = 0.1 + 0.9 * t;
        x[2 * i] = r * Math.cos(angle) + noise * (u(2) - 0.5) * 2;
        x[2 * i + 1] = r * Math.sin(angle) + noise * (u(3) - 0.5) * 2;
        y[i] = arm;
      }
      return { x, y };
    },
  };
}
