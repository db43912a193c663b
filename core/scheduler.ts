/**
 * The Scheduler service: executes a plan for one training step on the provided backend.
 * @module
 */
import { Context, Effect, Layer } from "effect";
import { BackendService } from "./backend.ts";
import { isRematError, type RematError } from "./errors.ts";
import { executePlan, type PlanInputs, type StepOutcome } from "./execute.ts";
import type { Plan } from "./plan.ts";

/** What the Scheduler service offers. */
export interface SchedulerShape {
  /** Runs `plan` once: forward, loss, backward, with recomputation as the plan says. */
  readonly step: (plan: Plan, inputs: Omit<PlanInputs, "backend">) => Effect.Effect<StepOutcome, RematError>;
}

/** The base class of {@link Scheduler}: `Context.Service<Scheduler, SchedulerShape>()` under its key. */
export const SchedulerBase: Context.ServiceClass<Scheduler, "@remat/core/Scheduler", SchedulerShape> = Context
  .Service<Scheduler, SchedulerShape>()("@remat/core/Scheduler");

/**
 * The scheduler service tag.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { Scheduler } from "@remat/core";
 * // Inside an Effect that has the Scheduler provided (see `withBackend`):
 * const program = Effect.gen(function* () {
 *   const scheduler = yield* Scheduler;
 *   return typeof scheduler.step; // "function"
 * });
 * ```
 */
export class Scheduler extends SchedulerBase {}

/**
 * Runs `f`, turning a thrown remat error into a typed failure and anything else into a defect.
 *
 * @example
 * ```ts
 * import { Effect } from "effect";
 * import { attempt, InvalidArgument } from "@remat/core";
 * const failed = attempt(() => {
 *   throw new InvalidArgument({ name: "steps", value: -1, expected: "a positive integer" });
 * });
 * const exit = await Effect.runPromiseExit(failed); // a Failure whose error is the InvalidArgument
 * ```
 */
export function attempt<A>(f: () => A): Effect.Effect<A, RematError> {
  return Effect.suspend(() => {
    try {
      return Effect.succeed(f());
    } catch (e) {
      return isRematError(e) ? Effect.fail(e) : Effect.die(e);
    }
  });
}

/** The scheduler over whatever BackendService is provided. */
export const SchedulerLive: Layer.Layer<Scheduler, never, BackendService> = Layer.effect(
  Scheduler,
  Effect.gen(function* () {
    const backend = yield* BackendService;
    return {
      step: (plan, inputs) => attempt(() => executePlan(plan, { ...inputs, backend })),
    };
  }),
);
