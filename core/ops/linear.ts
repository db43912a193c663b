/**
 * Linear algebra ops: matmul (with transposed operands), bias-add, and the fused linear layer
 * act(x·W + b) that model builders use.
 * @module
 */
import { view } from "../backend.ts";
import type { Activation, MatmulOptions } from "../kernels.ts";
import { formatShape, type Shape, sizeOf, type Tensor } from "../tensor.ts";
import { gradientAs, type Op, requireShapes } from "./op.ts";

/** Rows × columns of a matmul operand; leading dimensions of a non-transposed `a` fold into rows. */
function dims(shape: Shape): [number, number] {
  const cols = shape[shape.length - 1] ?? 1;
  return [sizeOf(shape) / cols, cols];
}

/** (M, K, N) of op(a)·op(b). */
function mkn(a: Shape, b: Shape, o: MatmulOptions): [number, number, number, number] {
  const [ar, ac] = dims(a);
  const [br, bc] = dims(b);
  const [m, k] = o.transA ? [ac, ar] : [ar, ac];
  const [k2, n] = o.transB ? [bc, br] : [br, bc];
  return [m, k, k2, n];
}

/**
 * c = op(a)·op(b). `a` is [..., K] (leading dims folded) or, with transA, a matrix [K, M];
 * `b` is a matrix [K, N] or, with transB, [N, K]. For c = a·b: ∂a = dc·bᵀ, ∂b = aᵀ·dc;
 * the transposed variants follow by swapping roles.
 */
export const matmul: Op<MatmulOptions> = {
  name: "matmul",
  inputs: [{ name: "a", dtype: "f32" }, { name: "b", dtype: "f32" }],
  forward(bk, [a, b], o) {
    const [, k, k2] = mkn(a.shape, b.shape, o);
    const ok = a.shape.length >= 2 && b.shape.length === 2 && k === k2 &&
      (!o.transA || a.shape.length === 2);
    requireShapes(
      ok,
      "matmul",
      `a [..., K]${o.transA ? " (transposed, 2-D)" : ""} and b ${
        o.transB ? "[N, K]" : "[K, N]"
      } with equal K`,
      a,
      b,
    );
    const a2 = matrixOf(a);
    const out = withLeadingDims(bk.kernels.matmul(a2, b, o), a.shape);
    a2.release();
    return { out, saved: [a, b], aux: [] };
  },
  backward(bk, [a, b], o, dc, options) {
    const kinds = options?.kinds;
    const mm = bk.kernels.matmul;
    const a2 = matrixOf(a);
    const dc2 = matrixOf(dc);
    // ∂a and ∂b as products of two of (dc, a, b), each operand transposed or not
    const [da0, db] = !o.transA && !o.transB
      ? [() => mm(dc2, b, { transB: true }), () => mm(a2, dc2, { transA: true })]
      : !o.transA && o.transB
      ? [() => mm(dc2, b, {}), () => mm(dc2, a2, { transA: true })]
      : o.transA && !o.transB
      ? [() => mm(b, dc2, { transB: true }), () => mm(a2, dc2, {})]
      : [() => mm(b, dc2, { transA: true, transB: true }), () => mm(dc2, a2, { transA: true, transB: true })];
    const da = withLeadingDims(gradientAs(bk, kinds, 0, da0), a.shape);
    const dbOut = gradientAs(bk, kinds, 1, db);
    a2.release();
    dc2.release();
    return [da, dbOut];
  },
  cost(shapes, o) {
    const [m, k, , n] = mkn(shapes[0]!, shapes[1]!, o);
    const f = { flops: 2 * m * n * k, bytes: 4 * (m * k + k * n + m * n) };
    return { forward: f, backward: { flops: 2 * f.flops, bytes: 2 * f.bytes } };
  },
};

/** y = x + bias broadcast over rows; ∂x = dy, ∂bias = Σ_rows dy. */
export const biasAdd: Op = {
  name: "biasAdd",
  inputs: [{ name: "x", dtype: "f32" }, { name: "bias", dtype: "f32" }],
  forward(b, [x, bias]) {
    const n = x.shape[x.shape.length - 1];
    requireShapes(
      bias.shape.length === 1 && bias.shape[0] === n,
      "biasAdd",
      `bias [${n ?? "N"}] matching the last dimension of x ${formatShape(x.shape)}`,
      x,
      bias,
    );
    return { out: b.kernels.biasAdd(x, bias), saved: [], aux: [] };
  },
  backward(b, _saved, _a, dy, options) {
    return [dy.retain(), gradientAs(b, options?.kinds, 1, () => b.kernels.sumRows(dy))];
  },
  cost(shapes) {
    const n = sizeOf(shapes[0]!);
    return { forward: { flops: n, bytes: 8 * n }, backward: { flops: n, bytes: 4 * n } };
  },
};

/** Attributes of the fused `linear` op. */
export interface LinearAttrs {
  /** Applied after the bias. */
  readonly activation: Activation;
}

/** Extra flops per output element of each activation (as the separate elementwise ops count them). */
const ACTIVATION_FLOPS: Readonly<Record<Activation, number>> = { none: 0, relu: 1, gelu: 12 };

/**
 * y = act(x·W + b) for x [..., K], W [K, N], b [N], as one kernel: the bias and the activation
 * are applied while the product is written, instead of two more passes over [M, N]. What the
 * backward keeps: x and W (for ∂x, ∂W), plus y for relu (y > 0 exactly where z > 0, so the
 * output, which the next op keeps anyway, replaces the pre-activation) or z for gelu.
 * Backward: dz = dy·act'(·); ∂x = dz·Wᵀ, ∂W = xᵀ·dz, ∂b = Σ_rows dz, bit for bit what
 * matmul → biasAdd → activation would give.
 */
export const linear: Op<LinearAttrs> = {
  name: "linear",
  inputs: [{ name: "x", dtype: "f32" }, { name: "w", dtype: "f32" }, { name: "bias", dtype: "f32" }],
  forward(bk, [x, w, bias], { activation }) {
    const k = x.shape[x.shape.length - 1];
    const n = w.shape[1];
    requireShapes(
      x.shape.length >= 2 && w.shape.length === 2 && w.shape[0] === k && bias.shape.length === 1 &&
        bias.shape[0] === n,
      "linear",
      "x [..., K], w [K, N] and bias [N]",
      x,
      w,
      bias,
    );
    const x2 = matrixOf(x);
    const { y: y2, z: z2 } = bk.kernels.linear(x2, w, bias, activation);
    x2.release();
    const y = withLeadingDims(y2, x.shape);
    const z = z2 === null ? null : withLeadingDims(z2, x.shape);
    if (activation === "gelu") return { out: y, saved: [x, w, z!], aux: [z!] };
    if (activation === "relu") return { out: y, saved: [x, w, y], aux: [] };
    return { out: y, saved: [x, w], aux: [] };
  },
  backward(bk, saved, { activation }, dy, options) {
    const [x, w, kept] = saved;
    const inPlace = options?.dyIsScratch === true;
    const dz = activation === "relu"
      ? bk.kernels.reluBackward(kept!, dy, inPlace)
      : activation === "gelu"
      ? bk.kernels.geluBackward(kept!, dy, inPlace)
      : dy.retain();
    const [dx, dw] = matmul.backward(bk, [x!, w!], {}, dz, { kinds: options?.kinds });
    const db = gradientAs(bk, options?.kinds, 2, () => bk.kernels.sumRows(dz));
    dz.release();
    return [dx!, dw!, db];
  },
  cost(shapes, { activation }) {
    const mm = matmul.cost(shapes.slice(0, 2), {});
    const outputs = sizeOf(shapes[0]!.slice(0, -1)) * (shapes[1]![1] ?? 0);
    const f = ACTIVATION_FLOPS[activation];
    return {
      // the epilogue reads the bias and adds 1 + f flops per output; the output write is in mm
      forward: {
        flops: mm.forward.flops + outputs * (1 + f),
        bytes: mm.forward.bytes + 4 * (shapes[2]?.[0] ?? 0),
      },
      // dz = dy·act'(kept): reads dy and the kept tensor, writes dz; Σ_rows dz reads dz again
      backward: {
        flops: mm.backward.flops + outputs * (1 + 2 * f),
        bytes: mm.backward.bytes + 4 * outputs * (activation === "none" ? 1 : 4),
      },
    };
  },
};

/** `t` as a matrix [rows, last dimension]: a new reference, a view when `t` has more than two dimensions. */
function matrixOf(t: Tensor): Tensor {
  return t.shape.length === 2 ? t.retain() : view(t, dims(t.shape));
}

/**
 * A [rows, n] result under the leading dimensions of `like` (rows folded from them by
 * `matrixOf`), taking over the caller's reference.
 */
function withLeadingDims(c: Tensor, like: Shape): Tensor {
  if (like.length === 2) return c;
  const v = view(c, [...like.slice(0, -1), c.shape[1]!]);
  c.release();
  return v;
}
