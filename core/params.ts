/**
 * Parameters of a chain on a backend, initialised deterministically from a seed.
 * @module
 */
import type { Backend } from "./backend.ts";
import type { Chain } from "./chain.ts";
import { normalAt } from "./random.ts";
import { sizeOf, type Tensor } from "./tensor.ts";

/** Parameter tensors per stage, in the order of each stage's `params`. */
export type Params = ReadonlyArray<ReadonlyArray<Tensor>>;

/**
 * Allocates and initialises every parameter; the same seed gives the same bits.
 *
 * @example
 * ```ts
 * import { initParams, mlp, releaseParams } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const params = initParams(mlp({ depth: 1, width: 4, hidden: 8, classes: 2 }), new CpuBackend(), 42);
 * releaseParams(params);
 * ```
 */
export function initParams(chain: Chain, backend: Backend, seed: number): Params {
  return chain.stages.map((stage, si) =>
    stage.params.map((spec, pi) => {
      const n = sizeOf(spec.shape);
      const host = new Float32Array(n);
      const init = spec.init;
      if (init.kind === "ones") host.fill(1);
      else if (init.kind === "normal") {
        const stream = si * 1024 + pi;
        for (let i = 0; i < n; i++) host[i] = init.std * normalAt(seed, stream, i);
      }
      return backend.upload(host, spec.shape, "f32", spec.state ? "state" : "parameter");
    })
  );
}

/**
 * Host copies of every parameter, for checkpoints and comparisons.
 *
 * @example
 * ```ts
 * import { initParams, mlp, readParams } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const params = initParams(mlp({ depth: 1, width: 4, hidden: 8, classes: 2 }), backend, 0);
 * const host = await readParams(backend, params); // Float32Array per parameter, per stage
 * ```
 */
export async function readParams(backend: Backend, params: Params): Promise<Float32Array[][]> {
  const out: Float32Array[][] = [];
  for (const stage of params) {
    const row: Float32Array[] = [];
    for (const p of stage) row.push((await backend.read(p)) as Float32Array);
    out.push(row);
  }
  return out;
}

/**
 * Releases every parameter tensor.
 *
 * @example
 * ```ts
 * import { initParams, mlp, releaseParams } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * releaseParams(initParams(mlp({ depth: 1, width: 4, hidden: 8, classes: 2 }), backend, 0));
 * console.log(backend.memory.report().stateBytes); // 0
 * ```
 */
export function releaseParams(params: Params): void {
  for (const stage of params) for (const p of stage) p.release();
}
