/**
 * The `--backend` option of `train` and `profile`, checked before anything is built: a name
 * that is not a backend is a usage mistake.
 * @module
 */
import { BACKEND_CHOICES } from "@remat/webgpu";
import { UsageError, type Values } from "./args.ts";

/**
 * The backend `--backend` names (default cpu).
 * @throws UsageError naming the value seen and the backends
 * @example
 * ```ts
 * backendChoice({ backend: "auto" }); // "auto"
 * ```
 */
export function backendChoice(values: Values): string {
  const raw = values.backend;
  if (raw === undefined) return "cpu";
  if (typeof raw !== "string" || !(BACKEND_CHOICES as ReadonlyArray<string>).includes(raw)) {
    throw new UsageError(`--backend: got "${raw}"; expected one of ${BACKEND_CHOICES.join(", ")}`);
  }
  return raw;
}
