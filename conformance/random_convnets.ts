/**
 * Small random convolutional chains for the suites: NCHW images through conv2d stages (3×3 or
 * 1×1 filters, stride 1 or 2, "same" padding, batch norm or not, relu or a user op, then max or average
 * pooling or none), then a flattening or global-average-pooling linear head and cross-entropy.
 * @module
 */
import fc from "fast-check";
import {
  type Chain,
  convGeometry,
  convOutputSize,
  crossEntropyLoss,
  type ParamSpec,
  pool2dShape,
  poolGeometry,
  type Shape,
  type Stage,
  type Tensor,
} from "@remat/core";
import { isruOp } from "./user_op.ts";

/** One conv stage's choices. */
interface ConvSpec {
  readonly out: number;
  readonly kernel: 1 | 3;
  readonly stride: 1 | 2;
  readonly activation: "relu" | "isru";
  /** A 2×2 pooling after the activation (when the map is at least 2×2). */
  readonly pool: "none" | "max" | "avg";
  /** Batch norm between the convolution and the activation. */
  readonly norm: boolean;
}

const POOL = poolGeometry({ kernel: 2 });

function convStage(name: string, inChannels: number, spec: ConvSpec): Stage {
  const g = convGeometry({ stride: spec.stride, padding: spec.kernel >> 1 });
  return {
    name,
    kind: "conv",
    params: [
      {
        name: "w",
        shape: [spec.out, inChannels, spec.kernel, spec.kernel],
        init: { kind: "normal", std: Math.sqrt(2 / (inChannels * spec.kernel * spec.kernel)) },
      },
      ...(spec.norm ? batchNormParams(spec.out) : []),
    ],
    output: (s: Shape) => {
      const conv = [
        s[0]!,
        spec.out,
        convOutputSize(s[2]!, spec.kernel, g),
        convOutputSize(s[3]!, spec.kernel, g),
      ];
      return { shape: pools(spec, conv) ? pool2dShape(conv, POOL) : conv, dtype: "f32" };
    },
    forward: (ctx, x, [w, ...bn]) => {
      const conv = ctx.conv2d(x, w!, g);
      const y = spec.norm ? ctx.batchNorm(conv, bn as [Tensor, Tensor, Tensor, Tensor]) : conv;
      const a = spec.activation === "relu" ? ctx.relu(y) : ctx.apply(isruOp, [y], undefined);
      if (!pools(spec, a.shape)) return a;
      return spec.pool === "max" ? ctx.maxPool2d(a, POOL) : ctx.avgPool2d(a, POOL);
    },
  };
}

/** γ, β and the running mean and variance (model state) of a batch norm over `channels`. */
function batchNormParams(channels: number): ParamSpec[] {
  return [
    { name: "gamma", shape: [channels], init: { kind: "ones" } },
    { name: "beta", shape: [channels], init: { kind: "zeros" } },
    { name: "runningMean", shape: [channels], init: { kind: "zeros" }, state: true },
    { name: "runningVar", shape: [channels], init: { kind: "ones" }, state: true },
  ];
}

function pools(spec: ConvSpec, shape: Shape): boolean {
  return spec.pool !== "none" && shape[2]! >= 2 && shape[3]! >= 2;
}

/** Global average pooling over H and W, then a linear layer. */
function globalPoolHead(channels: number, classes: number): Stage {
  return {
    name: "head",
    kind: "gap-linear",
    params: [
      { name: "w", shape: [channels, classes], init: { kind: "normal", std: Math.sqrt(1 / channels) } },
      { name: "b", shape: [classes], init: { kind: "zeros" } },
    ],
    output: (s: Shape) => ({ shape: [s[0]!, classes], dtype: "f32" }),
    forward: (ctx, x, [w, b]) => ctx.linear(ctx.globalAvgPool(x), w!, b!),
  };
}

function flattenHead(features: number, classes: number): Stage {
  return {
    name: "head",
    kind: "flatten-linear",
    params: [
      { name: "w", shape: [features, classes], init: { kind: "normal", std: Math.sqrt(1 / features) } },
      { name: "b", shape: [classes], init: { kind: "zeros" } },
    ],
    output: (s: Shape) => ({ shape: [s[0]!, classes], dtype: "f32" }),
    forward: (ctx, x, [w, b]) => ctx.linear(ctx.reshape(x, [x.shape[0]!, features]), w!, b!),
  };
}

/**
 * Convolutional chains of `minStages`..`maxStages` stages (the head included; at least 2).
 * @example
 * ```ts
 * import fc from "fast-check";
 * import { arbitraryConvChain } from "@remat/conformance";
 * const [chain] = fc.sample(arbitraryConvChain(2, 5), 1);
 * ```
 */
export function arbitraryConvChain(minStages = 2, maxStages = 6): fc.Arbitrary<Chain> {
  const spec = fc.record({
    out: fc.integer({ min: 1, max: 3 }),
    kernel: fc.constantFrom(1 as const, 3 as const),
    stride: fc.constantFrom(1 as const, 1 as const, 2 as const),
    activation: fc.constantFrom("relu" as const, "isru" as const),
    pool: fc.constantFrom("none" as const, "none" as const, "max" as const, "avg" as const),
    norm: fc.boolean(),
  });
  return fc.record({
    channels: fc.integer({ min: 1, max: 2 }),
    size: fc.integer({ min: 3, max: 6 }),
    classes: fc.integer({ min: 2, max: 3 }),
    globalPool: fc.boolean(),
    convs: fc.array(spec, {
      minLength: Math.max(1, minStages - 1),
      maxLength: Math.max(1, minStages - 1, maxStages - 1),
    }),
  }).map(({ channels, size, classes, globalPool, convs }) => {
    let shape: Shape = [1, channels, size, size];
    const stages: Stage[] = convs.map((c, i) => {
      const s = convStage(`conv${i}`, shape[1]!, c);
      shape = s.output(shape).shape;
      return s;
    });
    stages.push(
      globalPool
        ? globalPoolHead(shape[1]!, classes)
        : flattenHead(shape[1]! * shape[2]! * shape[3]!, classes),
    );
    return {
      name: `convnet(${
        convs.map((c) =>
          `${c.kernel}x${c.kernel}/${c.stride}→${c.out}${c.norm ? " bn" : ""} ${c.activation} ${c.pool}`
        )
          .join(", ")
      }${globalPool ? ", global pool" : ""})`,
      stages,
      loss: crossEntropyLoss,
      input: { shape: [channels, size, size], dtype: "f32" as const },
      target: { shape: [], dtype: "i32" as const },
      config: { model: "convnet", classes },
    };
  });
}
