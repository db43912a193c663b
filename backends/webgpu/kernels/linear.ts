/**
 * The fused linear layer on WebGPU: the matmul shader of `matmul.ts` with an epilogue that adds
 * the bias and applies the activation as each output tile is stored.
 * @module
 */
import type { Activation, KernelTable } from "@remat/core";
import type { WebGpuBackend } from "../webgpu_backend.ts";
import type { KernelSource } from "../wgsl.ts";
import {
  asMatrix,
  dispatchMatmul,
  type MatmulKernelOptions,
  matmulSource,
  type MatmulTile,
  matmulTile,
} from "./matmul.ts";

const ACTIVATIONS: ReadonlyArray<Activation> = ["none", "relu", "gelu"];

/** The fused linear shaders (x·w, neither transposed, with an epilogue) by tile size, then activation. */
const LINEAR_VARIANTS = Object.fromEntries(
  ([64, 128] as const).map((t) => [
    t,
    Object.fromEntries(ACTIVATIONS.map((act) => [act, matmulSource(false, false, t, act)])),
  ]),
) as Readonly<Record<MatmulTile, Readonly<Record<Activation, KernelSource>>>>;

/**
 * The fused `linear` kernel of a WebGPU backend: the matmul shader with the bias and the
 * activation applied as each output is stored, one dispatch instead of three. Bits equal to
 * matmul → biasAdd → activation (the conformance suite checks). With K = 0 it is those
 * kernels run separately (there is no product to fuse into).
 * @param bk the backend whose pool and accountant own the outputs
 * @param options a fixed tile size, else chosen per product by {@link matmulTile}
 * @example
 * ```ts
 * const { linear } = linearKernels(await WebGpuBackend.create());
 * ```
 */
export function linearKernels(
  bk: WebGpuBackend,
  options: MatmulKernelOptions = {},
): Pick<KernelTable, "linear"> {
  return {
    linear(x, w, bias, activation) {
      const [m, k] = asMatrix(x), n = w.shape[1]!;
      if (m === 0 || n === 0 || k === 0) {
        const product = bk.kernels.matmul(x, w, {});
        const z = bk.kernels.biasAdd(product, bias);
        product.release();
        if (activation === "none") return { y: z, z: null };
        const y = activation === "relu" ? bk.kernels.relu(z) : bk.kernels.gelu(z);
        if (activation === "gelu") return { y, z };
        z.release();
        return { y, z: null };
      }
      const tile = options.tile ?? matmulTile(m, n);
      const z = activation === "gelu" ? bk.output([m, n], "f32") : null;
      const y = bk.output([m, n], "f32");
      dispatchMatmul(
        bk,
        LINEAR_VARIANTS[tile][activation],
        tile,
        [m, n, k],
        z ? [x, w, y, bias, z] : [x, w, y, bias],
      );
      return { y, z };
    },
  };
}
