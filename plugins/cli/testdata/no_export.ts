/**
 * A model module without a default or `chain` export: `--model` refuses it.
 * @module
 */

/** Not what `--model` looks for. */
export const model = 42;
