/**
 * A fixed random teacher network: inputs are Gaussian, labels are the argmax of a random
 * two-layer tanh network. Any width and class count.
 * @module
 */
import { type Dataset, normalAt } from "@remat/core";

/** Options of `teacher`. */
export interface TeacherOptions {
  /** Features per example. */
  readonly inputs: number;
  /** Number of classes (the teacher's outputs). */
  readonly classes: number;
  /** Hidden width of the teacher; default 32. */
  readonly hidden?: number;
  /** Seeds the teacher's weights and the inputs; default 0. */
  readonly seed?: number;
}

/**
 * Labels from a fixed random network, so a student can drive the loss well below ln(classes).
 *
 * @example
 * ```ts
 * import { teacher } from "@remat/datasets";
 * const { x, y } = teacher({ inputs: 16, classes: 4 }).batch(0, 8);
 * console.log(x.length, y.length); // 128 8
 * ```
 */
export function teacher(options: TeacherOptions): Dataset {
  const { inputs, classes } = options;
  const hidden = options.hidden ?? 32;
  const seed = options.seed ?? 0;
  const w1 = Float64Array.from(
    { length: inputs * hidden },
    (_, i) => normalAt(seed, 1, i) / Math.sqrt(inputs),
  );
  const w2 = Float64Array.from(
    { length: hidden * classes },
    (_, i) => normalAt(seed, 2, i) / Math.sqrt(hidden),
  );
  const h = new Float64Array(hidden);
  return {
    name: `teacher(inputs=${inputs}, classes=${classes})`,
    batch(step, size) {
      const x = new Float32Array(size * inputs);
      const y = new Int32Array(size);
      for (let r = 0; r < size; r++) {
        const id = step * size + r;
        for (let i = 0; i < inputs; i++) x[r * inputs + i] = normalAt(seed + 7, id, i);
        for (let j = 0; j < hidden; j++) {
          let s = 0;
          for (let i = 0; i < inputs; i++) s += x[r * inputs + i]! * w1[i * hidden + j]!;
          h[j] = Math.tanh(2 * s);
        }
        let best = 0;
        let bestScore = -Infinity;
        for (let c = 0; c < classes; c++) {
          let s = 0;
          for (let j = 0; j < hidden; j++) s += h[j]! * w2[j * classes + c]!;
          if (s > bestScore) (bestScore = s), (best = c);
        }
        y[r] = best;
      }
      return { x, y };
    },
  };
}
