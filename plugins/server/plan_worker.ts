/**
 * The entry point of the planner worker: answers `{ id, request, limits }` messages with
 * `{ id, check }` (see plan_check.ts) or `{ id, error }` for an unexpected failure, one at a
 * time, so planning never blocks the server's request loop.
 * @module
 */
import { checkPlanRequest } from "./plan_check.ts";
import type { PlannerReply, PlannerRequest } from "./planner.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<PlannerRequest>) => void) | null;
  postMessage(message: PlannerReply): void;
};

scope.onmessage = (e) => {
  const { id, request, limits } = e.data;
  try {
    scope.postMessage({ id, check: checkPlanRequest(request, limits) });
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
scope.postMessage({ ready: true });
