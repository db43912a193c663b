/**
 * remat as a peer: its CPU backend with the default WebAssembly gemm, and with OpenBLAS through
 * FFI where a system OpenBLAS loads, on a model's parameters and its preset's batch of step 0.
 * @module
 */
import { executePlan, initParams, type Plan, releaseParams, uploadBatch } from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { loadOpenBlas } from "../../backends/cpu/gemm/native_blas.ts";
import type { PeerModel } from "./models.ts";

/** A gemm of remat's CPU backend. */
export type Gemm = "wasm" | "openblas";

/** The gemms to time: "wasm", and "openblas" where it loads (else says why not). */
export function rematGemms(): Gemm[] {
  try {
    loadOpenBlas();
    return ["wasm", "openblas"];
  } catch (e) {
    console.log(`remat with OpenBLAS is not timed: ${(e as Error).message}`);
    return ["wasm"];
  }
}

/** The table's name of remat with `gemm`. */
export const rematName = (gemm: string): string => gemm === "wasm" ? "remat" : "remat (OpenBLAS)";

/** remat on one backend, ready to time plans of `model`. */
export interface RematPeer {
  /** `steps` forward + backward steps of `plan`, in ms. */
  run(plan: Plan, steps: number): number[];
  /** Releases the parameters and the batch. */
  release(): void;
}

/** remat's CPU backend with `threads` threads and `gemm`, `model`'s parameters and its batch. */
export function rematPeer(model: PeerModel, threads: number, gemm: Gemm): RematPeer {
  const { chain, data, batch } = model;
  const backend = new CpuBackend({ threads, gemm });
  const params = initParams(chain, backend, 0);
  const host = uploadBatch(data, { backend, chain, size: batch });
  return {
    run(plan, steps) {
      const ms: number[] = [];
      for (let s = 0; s < steps; s++) {
        (globalThis as { gc?: () => void }).gc?.();
        const t0 = performance.now();
        const r = executePlan(plan, { backend, chain, params, batch: host, key: { seed: 0, step: s } });
        ms.push(performance.now() - t0);
        r.loss.release();
        for (const row of r.grads) for (const g of row) g.release();
      }
      return ms;
    },
    release() {
      releaseParams(params);
      host.x.release();
      host.y.release();
      backend.dispose();
    },
  };
}
