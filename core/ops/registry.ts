/**
 * The op set by name.
 * @module
 */
import { UnknownOp } from "../errors.ts";
import { attention } from "./attention.ts";
import { crossEntropy } from "./cross_entropy.ts";
import { dropout } from "./dropout.ts";
import { add, gelu, mul, relu, tanh } from "./elementwise.ts";
import { embedding } from "./embedding.ts";
import { biasAdd, linear, matmul } from "./linear.ts";
import { layernorm, softmax } from "./normalise.ts";
import { abs, addScalar, bceWithLogits, div, exp, log, scale, sigmoid, sub } from "./math.ts";
import type { Op } from "./op.ts";
import { sum } from "./reduce.ts";
import { reshape, transpose } from "./shape.ts";

/** Every op of the core set. */
export const OPS = {
  matmul,
  add,
  biasAdd,
  linear,
  mul,
  relu,
  gelu,
  tanh,
  softmax,
  layernorm,
  embedding,
  reshape,
  transpose,
  dropout,
  attention,
  crossEntropy,
  sub,
  div,
  scale,
  addScalar,
  exp,
  log,
  sigmoid,
  abs,
  bceWithLogits,
  sum,
} as const;

/** Name of an op of the core set. */
export type OpName = keyof typeof OPS;

/**
 * The op called `name`; UnknownOp (listing the known ones) otherwise.
 *
 * @example
 * ```ts
 * import { opByName } from "@remat/core";
 * const relu = opByName("relu");
 * relu.cost([[4, 8]], undefined).forward.flops; // 32
 * ```
 */
export function opByName(name: string): Op<any> {
  const op = (OPS as Record<string, Op<any>>)[name];
  if (!op) throw new UnknownOp({ name, known: Object.keys(OPS) });
  return op;
}
