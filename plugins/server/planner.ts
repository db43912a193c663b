/**
 * Planning off the request loop: a worker (plan_worker.ts) checks plan and job requests one at
 * a time, each under a time cap. A request that plans for longer is refused with
 * {@link PlanningTimeout} and its worker is terminated (a fresh one serves the next request),
 * so one costly `optimal` over hundreds of stages neither blocks other requests nor the worker.
 * @module
 */
import type { PlanRequest } from "./job_types.ts";
import type { ServiceLimits } from "./limits.ts";
import type { PlanCheck } from "./plan_check.ts";

/** A message to the planner worker. */
export interface PlannerRequest {
  /** Matches the reply to the request. */
  readonly id: number;
  /** The request to check. */
  readonly request: PlanRequest;
  /** The limits to check it against. */
  readonly limits: ServiceLimits;
}

/**
 * The planner worker's messages: `ready` once loaded (the time cap starts when a request is
 * handed to a ready worker, so loading is not counted), then per request the check or the text
 * of an unexpected error.
 */
export type PlannerReply =
  | { readonly ready: true }
  | { readonly id: number; readonly check: PlanCheck }
  | { readonly id: number; readonly error: string };

/**
 * Planning a request took longer than the cap.
 *
 * @example
 * ```ts
 * import { PlanningTimeout } from "@remat/server";
 * new PlanningTimeout(2000).message;
 * ```
 */
export class PlanningTimeout extends Error {
  /** Tells this failure apart, as Effect's tagged errors do. */
  readonly _tag = "PlanningTimeout";
  /** The cap, milliseconds. */
  constructor(readonly limitMs: number) {
    super(
      `planning took longer than the limit maxPlanMs = ${limitMs} ms; choose fewer stages, a larger budget or a cheaper strategy (sqrt, revolve, budget)`,
    );
  }
}

/**
 * Too many requests are waiting for the planner.
 *
 * @example
 * ```ts
 * import { PlannerBusy } from "@remat/server";
 * new PlannerBusy(64).message;
 * ```
 */
export class PlannerBusy extends Error {
  /** Tells this failure apart, as Effect's tagged errors do. */
  readonly _tag = "PlannerBusy";
  /** `waiting` requests are queued for the planner. */
  constructor(readonly waiting: number) {
    super(`the planner is busy (${waiting} requests waiting); retry shortly`);
  }
}

/** Options of {@link Planner}. */
export interface PlannerOptions {
  /** The cap on one request's planning, milliseconds. */
  readonly timeoutMs: number;
  /** Requests that may wait for the worker before PlannerBusy; default 64. */
  readonly maxWaiting?: number;
  /** The worker module; default plan_worker.ts. */
  readonly url?: URL;
}

interface Task {
  readonly message: PlannerRequest;
  resolve(check: PlanCheck): void;
  reject(e: Error): void;
}

/**
 * Checks requests in a worker, one at a time, under a time cap.
 * @example
 * ```ts
 * const planner = new Planner({ timeoutMs: 2000 });
 * const check = await planner.check(request, DEFAULT_LIMITS);
 * planner.close();
 * ```
 */
export class Planner {
  readonly #options: PlannerOptions;
  readonly #waiting: Task[] = [];
  #worker: Worker | undefined;
  #ready = false;
  #current: { task: Task; timer: ReturnType<typeof setTimeout> } | undefined;
  #next = 0;
  #closed = false;

  /** A planner; its worker starts with the first request. */
  constructor(options: PlannerOptions) {
    this.#options = options;
  }

  /** Checks `request` against `limits` in the worker. */
  check(request: PlanRequest, limits: ServiceLimits): Promise<PlanCheck> {
    if (this.#closed) return Promise.reject(new Error("the planner is closed"));
    const max = this.#options.maxWaiting ?? 64;
    if (this.#waiting.length >= max) return Promise.reject(new PlannerBusy(this.#waiting.length));
    const { promise, resolve, reject } = Promise.withResolvers<PlanCheck>();
    this.#waiting.push({ message: { id: this.#next++, request, limits }, resolve, reject });
    this.#dispatch();
    return promise;
  }

  /** Stops the worker; waiting requests are refused. */
  close(): void {
    this.#closed = true;
    this.#stopWorker();
    const error = new Error("the planner is closed");
    if (this.#current) (clearTimeout(this.#current.timer), this.#current.task.reject(error));
    this.#current = undefined;
    for (const t of this.#waiting.splice(0)) t.reject(error);
  }

  #dispatch(): void {
    if (this.#current || this.#closed) return;
    if (this.#waiting.length === 0) return;
    const worker = this.#worker ??= this.#startWorker();
    if (!this.#ready) return; // dispatched again when the worker says it is ready
    const task = this.#waiting.shift()!;
    const timer = setTimeout(() => {
      this.#stopWorker(); // still planning: a fresh worker takes the next request
      this.#settle((t) => t.reject(new PlanningTimeout(this.#options.timeoutMs)));
    }, this.#options.timeoutMs);
    this.#current = { task, timer };
    worker.postMessage(task.message);
  }

  #startWorker(): Worker {
    const url = this.#options.url ?? new URL("./plan_worker.ts", import.meta.url);
    const worker = new Worker(url.href, { type: "module" });
    worker.onmessage = (e: MessageEvent<PlannerReply>) => {
      const reply = e.data;
      if ("ready" in reply) return void (this.#ready = true, this.#dispatch());
      if (this.#current?.task.message.id !== reply.id) return;
      this.#settle((t) => "check" in reply ? t.resolve(reply.check) : t.reject(new Error(reply.error)));
    };
    worker.onerror = (e: Event) => {
      e.preventDefault?.();
      this.#stopWorker();
      const message = (e as ErrorEvent).message || "the planner worker stopped";
      if (!this.#current) { // it failed to load: refuse what waits rather than retry forever
        for (const t of this.#waiting.splice(0)) t.reject(new Error(message));
        return;
      }
      this.#settle((t) => t.reject(new Error(message)));
    };
    return worker;
  }

  #settle(outcome: (task: Task) => void): void {
    const current = this.#current;
    if (!current) return;
    clearTimeout(current.timer);
    this.#current = undefined;
    outcome(current.task);
    this.#dispatch();
  }

  #stopWorker(): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#ready = false;
  }
}
