/**
 * A fixed random teacher network: inputs are Gaussian; labels are the argmax of a random
 * two-layer tanh network (`teacher`), or its outputs as f32 regression targets
 * (`regressionTeacher`). Any width and class or output count.
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
  const net = teacherNetwork(inputs, classes, options);
  return {
    name: `teacher(inputs=${inputs}, classes=${classes})`,
    batch(step, size) {
      const x = new Float32Array(size * inputs);
      const y = new Int32Array(size);
      const out = new Float64Array(classes);
      for (let r = 0; r < size; r++) {
        net(step * size + r, x.subarray(r * inputs, (r + 1) * inputs), out);
        let best = 0;
        for (let c = 1; c < classes; c++) if (out[c]! > out[best]!) best = c;
        y[r] = best;
      }
      return { x, y };
    },
  };
}

/** Options of `regressionTeacher`. */
export interface RegressionTeacherOptions {
  /** Features per example. */
  readonly inputs: number;
  /** Target values per example (the teacher's outputs). */
  readonly outputs: number;
  /** Hidden width of the teacher; default 32. */
  readonly hidden?: number;
  /** Seeds the teacher's weights and the inputs; default 0. */
  readonly seed?: number;
}

/**
 * A regression set: f32 targets [outputs] that are a fixed random two-layer tanh network's
 * outputs (the same teacher as `teacher`, without the argmax), so a student can drive a mean
 * squared error towards 0.
 *
 * @example
 * ```ts
 * import { regressionTeacher } from "@remat/datasets";
 * const { x, y } = regressionTeacher({ inputs: 8, outputs: 2 }).batch(0, 4);
 * console.log(x.length, y.length, y instanceof Float32Array); // 32 8 true
 * ```
 */
export function regressionTeacher(options: RegressionTeacherOptions): Dataset {
  const { inputs, outputs } = options;
  const net = teacherNetwork(inputs, outputs, options);
  return {
    name: `regressionTeacher(inputs=${inputs}, outputs=${outputs})`,
    batch(step, size) {
      const x = new Float32Array(size * inputs);
      const y = new Float32Array(size * outputs);
      const out = new Float64Array(outputs);
      for (let r = 0; r < size; r++) {
        net(step * size + r, x.subarray(r * inputs, (r + 1) * inputs), out);
        y.set(out, r * outputs);
      }
      return { x, y };
    },
  };
}

/**
 * The teacher: example `id`'s Gaussian inputs written to `x`, the network's outputs
 * w2·tanh(2·w1·x) to `out`.
 */
function teacherNetwork(
  inputs: number,
  outputs: number,
  options: { readonly hidden?: number; readonly seed?: number },
): (id: number, x: Float32Array, out: Float64Array) => void {
  const hidden = options.hidden ?? 32;
  const seed = options.seed ?? 0;
  const w1 = Float64Array.from(
    { length: inputs * hidden },
    (_, i) => normalAt(seed, 1, i) / Math.sqrt(inputs),
  );
  const w2 = Float64Array.from(
    { length: hidden * outputs },
    (_, i) => normalAt(seed, 2, i) / Math.sqrt(hidden),
  );
  const h = new Float64Array(hidden);
  return (id, x, out) => {
    for (let i = 0; i < inputs; i++) x[i] = normalAt(seed + 7, id, i);
    for (let j = 0; j < hidden; j++) {
      let s = 0;
      for (let i = 0; i < inputs; i++) s += x[i]! * w1[i * hidden + j]!;
      h[j] = Math.tanh(2 * s);
    }
    for (let c = 0; c < outputs; c++) {
      let s = 0;
      for (let j = 0; j < hidden; j++) s += h[j]! * w2[j * outputs + c]!;
      out[c] = s;
    }
  };
}
