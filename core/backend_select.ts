/**
 * Choosing a backend by name, beside the Backend interface: `cpu`, `webgpu`, or `auto` (WebGPU
 * when this runtime has an adapter, the CPU otherwise). Each backend package is loaded only when
 * its name is asked for (a dynamic import), so core depends on no backend at load time and a
 * program that asks for the CPU never loads WebGPU code. Under Bun, which has no
 * `navigator.gpu`, `auto` is the CPU and `webgpu` is a typed `BackendUnavailable`.
 * @module
 */
import { Effect, type Scope } from "effect";
import type { Backend } from "./backend.ts";
import { BackendUnavailable, InvalidArgument } from "./errors.ts";

/** The names `createBackend` accepts. */
export const BACKEND_CHOICES = ["cpu", "webgpu", "auto"] as const;

/** A backend name. */
export type BackendChoice = typeof BACKEND_CHOICES[number];

/** Options of {@link createBackend}. */
export interface BackendOptions {
  /** Passed to WebGPU's `requestAdapter`. Default "high-performance". */
  readonly powerPreference?: "low-power" | "high-performance";
  /** The CPU backend's threads and matrix product (see `CpuBackendOptions`), for "cpu" and an "auto" that falls back to it. */
  readonly cpu?: { readonly threads?: number; readonly gemm?: "wasm" | "openblas" };
}

/**
 * A backend by name, its package loaded on first use. The caller disposes it.
 * @throws InvalidArgument for an unknown name; BackendUnavailable for `webgpu` without an adapter
 * @example
 * ```ts
 * import { createBackend } from "@remat/core";
 * const backend = await createBackend("auto");
 * console.log(backend.device);
 * backend.dispose();
 * ```
 */
export async function createBackend(choice: string, options: BackendOptions = {}): Promise<Backend> {
  switch (choice) {
    case "cpu":
      return new (await import("@remat/cpu")).CpuBackend(options.cpu);
    case "webgpu":
      return await (await import("@remat/webgpu")).WebGpuBackend.create(options);
    case "auto": {
      const gpu = (globalThis.navigator as { gpu?: unknown } | undefined)?.gpu;
      if (!gpu) return createBackend("cpu", options);
      try {
        return await createBackend("webgpu", options);
      } catch (e) {
        if (e instanceof BackendUnavailable) return createBackend("cpu", options);
        throw e;
      }
    }
    default:
      throw new InvalidArgument({ name: "backend", value: choice, expected: BACKEND_CHOICES.join(", ") });
  }
}

/**
 * {@link createBackend} as a scoped resource: disposed (and a WebGPU device destroyed) when
 * the scope closes, on success, failure or interruption.
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { acquireBackend } from "@remat/core";
 * const name = await Effect.runPromise(Effect.scoped(Effect.map(acquireBackend("cpu"), (b) => b.name)));
 * ```
 */
export function acquireBackend(
  choice: string,
  options: BackendOptions = {},
): Effect.Effect<Backend, BackendUnavailable | InvalidArgument, Scope.Scope> {
  return Effect.acquireRelease(
    Effect.tryPromise({
      try: () => createBackend(choice, options),
      catch: (e) => {
        if (e instanceof BackendUnavailable || e instanceof InvalidArgument) return e;
        return new BackendUnavailable({ backend: choice, reason: String(e), hint: "use --backend cpu" });
      },
    }),
    (backend) => Effect.sync(() => backend.dispose()),
  );
}
