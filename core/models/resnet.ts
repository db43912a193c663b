/**
 * A residual convolutional network of basic blocks (NCHW images → class logits), one stage per
 * block so that planners see a long chain: a stem, then groups of blocks
 * y = relu(x + conv3×3(relu(conv3×3(x)))) whose first block (after the first group)
 * downsamples with stride 2 and projects the shortcut with a 1×1 stride-2 convolution, then a
 * head of global average pooling and a linear layer.
 *
 * Every convolution goes through one {@link ConvUnit} (its parameters and its forward): the
 * convolution, then batch norm whose running statistics are model state, updated once per
 * training step and used in evaluation mode. The second convolution of each block also starts
 * small and the head starts at zero ("fixup"-like, see `resnet`), so the first loss is
 * ln(classes) whatever the depth.
 * @module
 */
import type { Chain, ParamSpec, Stage } from "../chain.ts";
import { InvalidArgument } from "../errors.ts";
import { conv2dShape, convGeometry } from "../ops/conv.ts";
import type { Recorder } from "../recorder.ts";
import type { Shape, Tensor } from "../tensor.ts";
import { crossEntropyLoss } from "../losses.ts";
import { requirePositiveInt } from "./parts.ts";

/** Configuration of `resnet`. */
export interface ResnetConfig {
  /** Per-example input shape [channels, height, width] (NCHW without the batch). */
  readonly inputs: readonly [number, number, number];
  /** Number of classes of the head. */
  readonly classes: number;
  /** Channels of each group of blocks; default [16, 32, 64]. */
  readonly widths?: ReadonlyArray<number>;
  /** Blocks in each group (as many entries as `widths`); default [2, 2, 2]. */
  readonly blocks?: ReadonlyArray<number>;
  /** Output channels of the stem convolution; default `widths[0]`. */
  readonly stem?: number;
}

/**
 * One convolution of the network with what follows it before any addition or activation: for
 * now the convolution alone; a normalisation (its own parameters after the filters) will be
 * added here.
 *
 * @example
 * ```ts
 * import { convUnit } from "@remat/core";
 * const unit = convUnit("conv1", { inputs: 16, outputs: 32, kernel: 3, stride: 2 });
 * console.log(unit.params.map((p) => p.shape)); // [[32, 16, 3, 3]]
 * ```
 */
export interface ConvUnit {
  /** The unit's parameters, in the order `forward` takes them: the filters [K, C, k, k] first. */
  readonly params: ReadonlyArray<ParamSpec>;
  /** The output shape [N, K, Ho, Wo] for an input [N, C, H, W]. */
  output(input: Shape): Shape;
  /** The unit's forward on x [N, C, H, W], given its own parameters. */
  forward(ctx: Recorder, x: Tensor, params: ReadonlyArray<Tensor>): Tensor;
}

/**
 * Options of `convUnit`.
 *
 * @example
 * ```ts
 * import { convUnit, type ConvUnitOptions } from "@remat/core";
 * const options: ConvUnitOptions = { inputs: 1, outputs: 8, kernel: 3 };
 * console.log(convUnit("stem", options).params[0]!.shape); // [8, 1, 3, 3]
 * ```
 */
export interface ConvUnitOptions {
  /** Input channels C. */
  readonly inputs: number;
  /** Output channels K. */
  readonly outputs: number;
  /** Square filter size k (odd: the padding is ⌊k/2⌋, so stride 1 keeps H and W). */
  readonly kernel: number;
  /** Stride along both spatial axes; default 1. */
  readonly stride?: number;
  /** Factor on the He-normal std √(2/(C·k·k)) of the filters; default 1. */
  readonly initScale?: number;
  /**
   * Batch norm after the convolution (γ, β and the running statistics, which are model state);
   * default true. `"zero"` starts γ at 0, so the unit first outputs β = 0 (a residual branch
   * then starts as the identity's complement).
   */
  readonly norm?: boolean | "zero";
}

/**
 * A convolution unit: filters [K, C, k, k] named `${name}` (He-normal, std √(2/(C·k·k)) times
 * `initScale`), padding ⌊k/2⌋, no bias, then batch norm over the K channels (unless `norm` is
 * false) with its running statistics updated once per training step. Every convolution of
 * `resnet` is one.
 *
 * @throws InvalidArgument when the channels or the kernel are not positive integers, or
 *   `initScale` is not a finite number ≥ 0 (the stride as `convGeometry` checks it).
 * @example
 * ```ts
 * import { convUnit } from "@remat/core";
 * const proj = convUnit("proj", { inputs: 16, outputs: 32, kernel: 1, stride: 2 });
 * console.log(proj.output([8, 16, 28, 28])); // [8, 32, 14, 14]
 * ```
 */
export function convUnit(name: string, options: ConvUnitOptions): ConvUnit {
  const { inputs, outputs, kernel } = options;
  for (const [option, v] of Object.entries({ inputs, outputs, kernel })) {
    requirePositiveInt(`${name} ${option}`, v);
  }
  const scale = options.initScale ?? 1;
  if (!(Number.isFinite(scale) && scale >= 0)) {
    throw new InvalidArgument({ name: `${name} initScale`, value: scale, expected: "a finite number ≥ 0" });
  }
  const geometry = convGeometry({ stride: options.stride ?? 1, padding: kernel >> 1 });
  const std = scale * Math.sqrt(2 / (inputs * kernel * kernel));
  const filters: Shape = [outputs, inputs, kernel, kernel];
  const norm = options.norm ?? true;
  const bn: ParamSpec[] = norm === false ? [] : [
    { name: `${name}.gamma`, shape: [outputs], init: { kind: norm === "zero" ? "zeros" : "ones" } },
    { name: `${name}.beta`, shape: [outputs], init: { kind: "zeros" } },
    { name: `${name}.runningMean`, shape: [outputs], init: { kind: "zeros" }, state: true },
    { name: `${name}.runningVar`, shape: [outputs], init: { kind: "ones" }, state: true },
  ];
  return {
    params: [{ name, shape: filters, init: { kind: "normal", std } }, ...bn],
    output: (s) => conv2dShape(s, filters, geometry),
    forward: (ctx, x, [w, g, b, m, v]) => {
      const y = ctx.conv2d(x, w!, geometry);
      return norm === false ? y : ctx.batchNorm(y, [g!, b!, m!, v!]);
    },
  };
}

/** The parameters of `units`, one after the other, and each unit's slice of a stage's tensors. */
function unitParams(units: ReadonlyArray<ConvUnit>): {
  params: ParamSpec[];
  slices: (params: ReadonlyArray<Tensor>) => ReadonlyArray<Tensor>[];
} {
  const counts = units.map((u) => u.params.length);
  return {
    params: units.flatMap((u) => u.params),
    slices(params) {
      let at = 0;
      return counts.map((n) => params.slice(at, at += n));
    },
  };
}

/** The stem: relu(conv3×3(x)), input channels → `stem` channels, H and W kept. */
function stemStage(channels: number, stem: number): Stage {
  const conv = convUnit("conv", { inputs: channels, outputs: stem, kernel: 3 });
  return {
    name: "stem",
    kind: "conv-stem",
    params: conv.params,
    output: (s) => ({ shape: conv.output(s), dtype: "f32" }),
    forward: (ctx, x, params) => ctx.relu(conv.forward(ctx, x, params)),
  };
}

/**
 * A basic block y = relu(shortcut(x) + conv2(relu(conv1(x)))): conv1 3×3 with `stride`, conv2
 * 3×3 started at `scale2` times He; the shortcut is x itself, or a 1×1 projection with `stride`
 * when the channels or the spatial size change.
 */
function blockStage(
  name: string,
  inputs: number,
  outputs: number,
  stride: number,
  scale2: number,
): Stage {
  const conv1 = convUnit("conv1", { inputs, outputs, kernel: 3, stride });
  const conv2 = convUnit("conv2", { inputs: outputs, outputs, kernel: 3, initScale: scale2 });
  const projects = stride !== 1 || inputs !== outputs;
  const proj = projects ? convUnit("proj", { inputs, outputs, kernel: 1, stride }) : null;
  const { params, slices } = unitParams(proj ? [conv1, conv2, proj] : [conv1, conv2]);
  return {
    name,
    kind: projects ? "residual-conv-down" : "residual-conv",
    params,
    output: (s) => ({ shape: conv2.output(conv1.output(s)), dtype: "f32" }),
    forward(ctx, x, all) {
      const [p1, p2, pp] = slices(all);
      const branch = conv2.forward(ctx, ctx.relu(conv1.forward(ctx, x, p1!)), p2!);
      const shortcut = proj ? proj.forward(ctx, x, pp!) : x;
      return ctx.relu(ctx.add(shortcut, branch));
    },
  };
}

/**
 * The head: global average pooling [N, C, H, W] → [N, C], then a linear layer → [N, classes],
 * started at zero (as Fixup starts the classification layer): the first logits are all 0.
 */
function headStage(channels: number, classes: number): Stage {
  return {
    name: "head",
    kind: "pool-linear",
    params: [
      { name: "w", shape: [channels, classes], init: { kind: "zeros" } },
      { name: "b", shape: [classes], init: { kind: "zeros" } },
    ],
    output: (s) => ({ shape: [s[0]!, classes], dtype: "f32" }),
    forward: (ctx, x, [w, b]) => ctx.linear(ctx.globalAvgPool(x), w!, b!),
  };
}

/** Throws InvalidArgument unless `list` is a non-empty array of positive integers. */
function requirePositiveInts(name: string, list: unknown): ReadonlyArray<number> {
  if (!Array.isArray(list) || list.length === 0) {
    throw new InvalidArgument({ name, value: list, expected: "a non-empty array of positive integers" });
  }
  list.forEach((v, i) => requirePositiveInt(`${name}[${i}]`, v));
  return list;
}

/**
 * A residual convolutional network for NCHW images: stages "stem", then "block{g}.{b}" for
 * group g and block b, then "head"; 1 + Σ blocks + 1 stages in all. The stem is
 * relu(conv3×3(x)) to `stem` channels; each block is y = relu(s(x) + conv3×3(relu(conv3×3(x))))
 * with s the identity, or a 1×1 projection where the block changes the channels or (as the
 * first block of each group after the first does) downsamples with stride 2, which takes H
 * and W to ⌈H/2⌉ and ⌈W/2⌉; the head averages each channel over H and W and maps it to the
 * class logits. Cross-entropy against i32 class ids.
 *
 * Every convolution is a {@link convUnit}: filters He-normal (std √(2/(C·k·k))), without
 * biases, followed by batch norm. The second convolution of every block starts at 1/√L of that
 * std, for L blocks in all, and the head's linear layer starts at zero (a "fixup"-like start:
 * the first loss is ln(classes)).
 *
 * @throws InvalidArgument naming the option: `inputs` not three positive integers, `classes`,
 *   `stem` or an entry of `widths` or `blocks` not a positive integer, or `widths` and
 *   `blocks` of different lengths.
 * @example
 * ```ts
 * import { activationShapes, resnet } from "@remat/core";
 * const chain = resnet({ inputs: [1, 28, 28], classes: 10, widths: [8, 16], blocks: [1, 1] });
 * console.log(chain.stages.map((s) => s.name)); // ["stem", "block0.0", "block1.0", "head"]
 * console.log(activationShapes(chain, 4).at(-2)); // [4, 16, 14, 14]
 * ```
 */
export function resnet(config: ResnetConfig): Chain {
  const { classes } = config;
  if (!Array.isArray(config.inputs) || config.inputs.length !== 3) {
    throw new InvalidArgument({
      name: "inputs",
      value: config.inputs,
      expected: "[channels, height, width]: three positive integers",
    });
  }
  const inputs = config.inputs;
  inputs.forEach((v, i) => requirePositiveInt(`inputs[${i}]`, v));
  requirePositiveInt("classes", classes);
  const widths = requirePositiveInts("widths", config.widths ?? [16, 32, 64]);
  const blocks = requirePositiveInts("blocks", config.blocks ?? [2, 2, 2]);
  if (widths.length !== blocks.length) {
    throw new InvalidArgument({
      name: "blocks",
      value: blocks,
      expected: `one entry per entry of widths (${widths.length}: [${widths.join(", ")}])`,
    });
  }
  const stem = config.stem ?? widths[0]!;
  requirePositiveInt("stem", stem);
  const total = blocks.reduce((a, b) => a + b, 0);
  const scale2 = 1 / Math.sqrt(total);
  const stages: Stage[] = [stemStage(inputs[0], stem)];
  let channels = stem;
  widths.forEach((width, g) => {
    for (let b = 0; b < blocks[g]!; b++) {
      const stride = g > 0 && b === 0 ? 2 : 1;
      stages.push(blockStage(`block${g}.${b}`, channels, width, stride, scale2));
      channels = width;
    }
  });
  stages.push(headStage(channels, classes));
  const stemPart = config.stem === undefined ? "" : `, stem=${stem}`;
  return {
    name: `resnet(inputs=${inputs.join("x")}, widths=${widths.join("/")}, blocks=${
      blocks.join("/")
    }${stemPart}, classes=${classes})`,
    stages,
    loss: crossEntropyLoss,
    input: { shape: [...inputs], dtype: "f32" },
    target: { shape: [], dtype: "i32" },
    config: { model: "resnet", inputs: [...inputs], classes, widths: [...widths], blocks: [...blocks], stem },
  };
}
