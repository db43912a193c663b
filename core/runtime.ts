/**
 * Wiring: the layers a training program needs, from a backend instance.
 * @module
 */
import { Layer } from "effect";
import { type Backend, BackendService } from "./backend.ts";
import { type Scheduler, SchedulerLive } from "./scheduler.ts";

/**
 * Provides `backend` as the BackendService and a Scheduler over it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { mlp, train, withBackend } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * // Effect.runPromise(train(chain, data, { steps: 10, batch: 32 }).pipe(Effect.provide(withBackend(new CpuBackend()))));
 * ```
 */
export function withBackend(backend: Backend): Layer.Layer<BackendService | Scheduler> {
  return Layer.provideMerge(SchedulerLive, Layer.succeed(BackendService, backend));
}
