/**
 * A model module whose default export is not a chain (it lacks a loss): `--model` refuses it.
 * @module
 */

/** Stages and an input, but no loss. */
export default {
  name: "half a chain",
  stages: [{
    name: "s0",
    kind: "x",
    params: [],
    output: (s: number[]) => ({ shape: s }),
    forward: () => null,
  }],
  input: { shape: [4], dtype: "f32" },
  target: { shape: [] },
};
