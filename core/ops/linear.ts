/**
 * Linear algebra ops: matmul (with transposed operands) and bias-add.
 * @module
 */
import { view } from "../backend.ts";
import type { MatmulOptions } from "../kernels.ts";
import { formatShape, type Shape, sizeOf, type Tensor } from "../tensor.ts";
import { type Op, requireShapes } from "./op.ts";

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
  forward(bk, [a, b], o) {
    const [m, k, k2, n] = mkn(a.shape, b.shape, o);
    const ok = a.shape.length >= 2 && b.shape.length === 2 && k === k2 &&
      (!o.transA || a.shape.length === 2);
    requireShapes(
      ok,
      "matmul",
      `a [..., K]${o.transA ? " (transposed, 2-D)" : ""} and b ${o.transB ? "[N, K]" : "[K, N]"} with equal K`,
      a,
      b,
    );
    if (a.shape.length === 2) return { out: bk.kernels.matmul(a, b, o), saved: [a, b], aux: [] };
    const a2 = view(a, [m, k]);
    const c2 = bk.kernels.matmul(a2, b, o);
    a2.release();
    const out = view(c2, [...a.shape.slice(0, -1), n]);
    c2.release();
    return { out, saved: [a, b], aux: [] };
  },
  backward(bk, [a, b], o, dc) {
    const mm = bk.kernels.matmul;
    const a2 = a.shape.length === 2 ? a.retain() : view(a, dims(a.shape));
    const dc2 = dc.shape.length === 2 ? dc.retain() : view(dc, dims(dc.shape));
    let da: Tensor, db: Tensor;
    if (!o.transA && !o.transB) {
      da = mm(dc2, b, { transB: true });
      db = mm(a2, dc2, { transA: true });
    } else if (!o.transA && o.transB) {
      da = mm(dc2, b, {});
      db = mm(dc2, a2, { transA: true });
    } else if (o.transA && !o.transB) {
      da = mm(b, dc2, { transB: true });
      db = mm(a2, dc2, {});
    } else {
      da = mm(b, dc2, { transA: true, transB: true });
      db = mm(dc2, a2, { transA: true, transB: true });
    }
    a2.release();
    dc2.release();
    if (a.shape.length !== 2) {
      const reshaped = view(da, a.shape);
      da.release();
      da = reshaped;
    }
    return [da, db];
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
  backward(b, _saved, _a, dy) {
    return [dy.retain(), b.kernels.sumRows(dy)];
  },
  cost(shapes) {
    const n = sizeOf(shapes[0]!);
    return { forward: { flops: n, bytes: 8 * n }, backward: { flops: n, bytes: 4 * n } };
  },
};
