/**
 * Embedding lookup (gather).
 * @module
 */
import { formatShape, sizeOf } from "../tensor.ts";
import { gradientAs, type Op, requireDType, requireShapes } from "./op.ts";

/** y[p, :] = table[ids[p], :]; ∂table[v, :] = Σ_{p: ids[p] = v} dy[p, :]; ids get no gradient. */
export const embedding: Op = {
  name: "embedding",
  inputs: [{ name: "ids", dtype: "i32" }, { name: "table", dtype: "f32" }],
  forward(b, [ids, table]) {
    requireDType(ids, "i32", "embedding", "ids");
    requireShapes(
      table.shape.length === 2,
      "embedding",
      `a table [vocab, dim] (got ${formatShape(table.shape)})`,
      ids,
      table,
    );
    return { out: b.kernels.embedding(ids, table), saved: [ids, table], aux: [] };
  },
  backward(b, [ids, table], _a, dy, options) {
    return [
      null,
      gradientAs(b, options?.kinds, 1, () => b.kernels.embeddingBackward(ids!, dy, table!.shape[0]!)),
    ];
  },
  cost(shapes) {
    const n = sizeOf(shapes[0]!) * (shapes[1]![1] ?? 1);
    return { forward: { flops: 0, bytes: 8 * n }, backward: { flops: n, bytes: 12 * n } };
  },
};
