/**
 * The op set by name.
 * @module
 */
import { InvalidArgument, UnknownOp } from "../errors.ts";
import { attention } from "./attention.ts";
import { conv2d } from "./conv.ts";
import { avgPool2d, maxPool2d } from "./pool.ts";
import { batchNorm } from "./batch_norm.ts";
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
  conv2d,
  maxPool2d,
  avgPool2d,
  batchNorm,
} as const;

/** Name of an op of the core set. */
export type OpName = keyof typeof OPS;

const USER_OPS = new Map<string, Op<any>>();

/**
 * Registers a user's op under its name, so `opByName` finds it as it finds the core set's.
 * @throws InvalidArgument when the name is taken by a core op or another user op
 * @example
 * ```ts
 * import { registerOp } from "@remat/core";
 * registerOp(softsign); // an Op written by the user
 * ```
 */
export function registerOp<A>(op: Op<A>): Op<A> {
  const taken = (OPS as Record<string, Op<any>>)[op.name] ?? USER_OPS.get(op.name);
  if (taken && taken !== op) {
    throw new InvalidArgument({ name: "op name", value: op.name, expected: "a name no core or user op has" });
  }
  USER_OPS.set(op.name, op);
  return op;
}

/**
 * The op called `name` (the core set's, then the user's registered ones); UnknownOp (listing
 * the known ones) otherwise.
 *
 * @example
 * ```ts
 * import { opByName } from "@remat/core";
 * const relu = opByName("relu");
 * relu.cost([[4, 8]], undefined).forward.flops; // 32
 * ```
 */
export function opByName(name: string): Op<any> {
  const op = (OPS as Record<string, Op<any>>)[name] ?? USER_OPS.get(name);
  if (!op) throw new UnknownOp({ name, known: [...Object.keys(OPS), ...USER_OPS.keys()] });
  return op;
}
