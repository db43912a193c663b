/**
 * Backend selection by name: `cpu`, `webgpu`, or `auto` (WebGPU when this runtime has an
 * adapter, the CPU otherwise). Under Bun, which has no `navigator.gpu`, `auto` is the CPU and
 * `webgpu` is a typed `BackendUnavailable`.
 * @module
 */
import { type Backend, BackendUnavailable, InvalidArgument } from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { Effect, type Scope } from "effect";
import { hasWebGpu, type RequestGpuOptions } from "./device.ts";
import { WebGpuBackend } from "./webgpu_backend.ts";

/** The names `createBackend` accepts. */
export const BACKEND_CHOICES = ["cpu", "webgpu", "auto"] as const;

/** A backend name. */
export type BackendChoice = typeof BACKEND_CHOICES[number];

/**
 * A backend by name. The caller disposes it.
 * @throws InvalidArgument for an unknown name; BackendUnavailable for `webgpu` without an adapter
 * @example
 * ```ts
 * const backend = await createBackend("auto");
 * console.log(backend.device);
 * backend.dispose();
 * ```
 */
export async function createBackend(choice: string, options: RequestGpuOptions = {}): Promise<Backend> {
  switch (choice) {
    case "cpu":
      return new CpuBackend();
    case "webgpu":
      return await WebGpuBackend.create(options);
    case "auto":
      if (!hasWebGpu()) return new CpuBackend();
      try {
        return await WebGpuBackend.create(options);
      } catch (e) {
        if (e instanceof BackendUnavailable) return new CpuBackend();
        throw e;
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
 * const name = await Effect.runPromise(Effect.scoped(Effect.map(acquireBackend("cpu"), (b) => b.name)));
 * ```
 */
export function acquireBackend(
  choice: string,
  options: RequestGpuOptions = {},
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
