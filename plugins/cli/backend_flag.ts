/**
 * The `--backend` option of `train` and `profile`, checked before anything is built: a name
 * that is not a backend is a usage mistake.
 * @module
 */
import { BACKEND_CHOICES, type BackendOptions } from "@remat/webgpu";
import { intOption, UsageError, type Values } from "./args.ts";

/** The help lines of `--threads` and `--gemm`. */
export const CPU_HELP = `  --threads N         CPU threads for matrix products (default: all)
  --gemm NAME         CPU matrix product: wasm (default) or openblas (a system OpenBLAS
                      through FFI; other bits than wasm; Deno needs --allow-ffi)`;

/** The parseArgs options of `--threads` and `--gemm`. */
export const CPU_OPTIONS = { threads: { type: "string" }, gemm: { type: "string" } } as const;

/**
 * The CPU backend's options from `--threads` and `--gemm` (undefined when neither is given).
 * @throws UsageError naming the value seen and what is valid
 * @example
 * ```ts
 * cpuChoice({ gemm: "openblas", threads: "1" }); // { cpu: { gemm: "openblas", threads: 1 } }
 * ```
 */
export function cpuChoice(values: Values): BackendOptions {
  const gemm = values.gemm;
  if (gemm !== undefined && gemm !== "wasm" && gemm !== "openblas") {
    throw new UsageError(`--gemm: got "${gemm}"; expected wasm or openblas`);
  }
  const threads = values.threads === undefined ? undefined : intOption(values, "threads", 1, { max: 1024 });
  if (gemm === undefined && threads === undefined) return {};
  return { cpu: { ...(gemm === undefined ? {} : { gemm }), ...(threads === undefined ? {} : { threads }) } };
}

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
