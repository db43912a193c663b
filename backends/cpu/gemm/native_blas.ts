/**
 * The optional native path for matrix products: `cblas_sgemm` of a system OpenBLAS, called
 * through Deno's FFI (`Deno.dlopen`, which needs `--allow-ffi`) or Bun's (`bun:ffi`). Nothing
 * is installed for it and nothing uses it unless a CPU backend asks for it
 * (`new CpuBackend({ gemm: "openblas" })`); where the library or the permission is missing,
 * that request fails with a typed error naming what to do, and the default WebAssembly kernel
 * is untouched.
 *
 * OpenBLAS splits a product over threads by blocks of rows and columns, never along k, so each
 * element is summed by one thread with one kernel: the CPU tests check that its results are
 * the same bits for one thread and for all. They differ from the WebAssembly kernel's (other
 * blocking, fused multiply-adds), so a run keeps one gemm from start to end.
 * @module
 */
import { BackendUnavailable } from "@remat/core";

/** Where Debian and others put OpenBLAS (the pthread build first). */
export const OPENBLAS_PATHS: ReadonlyArray<string> = [
  "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/libopenblas.so.0",
  "/usr/lib64/libopenblas.so.0",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/usr/local/opt/openblas/lib/libopenblas.dylib",
];

/** A loaded native sgemm. */
export interface NativeGemm {
  /** The library file. */
  readonly library: string;
  /** Its build description (openblas_get_config). */
  readonly config: string;
  /** c[m, n] = op(a)·op(b) on `threads` threads; shapes as in `GemmShape`. */
  sgemm(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    s: { m: number; n: number; k: number; transA: boolean; transB: boolean },
    threads: number,
  ): void;
}

type Sgemm = (...args: unknown[]) => void;
interface Symbols {
  readonly cblas_sgemm: Sgemm;
  readonly openblas_set_num_threads: (n: number) => void;
  readonly config: string;
}

const SGEMM_ARGS = [
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "f32",
  "A",
  "i32",
  "A",
  "i32",
  "f32",
  "A",
  "i32",
];

/** Opens `path` with this runtime's FFI; throws what the runtime throws. */
function open(path: string): { symbols: Symbols; wrap: (a: Float32Array) => unknown } {
  const deno = (globalThis as { Deno?: any }).Deno;
  if (deno?.dlopen) {
    const lib = deno.dlopen(path, {
      cblas_sgemm: { parameters: SGEMM_ARGS.map((t) => t === "A" ? "buffer" : t), result: "void" },
      openblas_set_num_threads: { parameters: ["i32"], result: "void" },
      openblas_get_config: { parameters: [], result: "pointer" },
    });
    const config = new deno.UnsafePointerView(lib.symbols.openblas_get_config()).getCString();
    return { symbols: { ...lib.symbols, config }, wrap: (a) => a };
  }
  const bunRequire = (import.meta as { require?: (id: string) => any }).require;
  if ((globalThis as { Bun?: unknown }).Bun && bunRequire) {
    const ffi = bunRequire("bun:ffi");
    const lib = ffi.dlopen(path, {
      cblas_sgemm: { args: SGEMM_ARGS.map((t) => t === "A" ? "ptr" : t), returns: "void" },
      openblas_set_num_threads: { args: ["i32"], returns: "void" },
      openblas_get_config: { args: [], returns: "cstring" },
    });
    return {
      symbols: { ...lib.symbols, config: String(lib.symbols.openblas_get_config()) },
      wrap: (a) => ffi.ptr(a),
    };
  }
  throw new Error("this runtime has no FFI (Deno.dlopen or bun:ffi)");
}

/**
 * OpenBLAS's sgemm from the first of `paths` that opens.
 * @throws BackendUnavailable naming the reason: no FFI permission, or no library found
 * @example
 * ```ts
 * const native = loadOpenBlas(); // throws BackendUnavailable when absent
 * console.log(native.config);
 * ```
 */
export function loadOpenBlas(paths: ReadonlyArray<string> = OPENBLAS_PATHS): NativeGemm {
  const problems: string[] = [];
  for (const path of paths) {
    let opened: ReturnType<typeof open>;
    try {
      opened = open(path);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (/NotCapable|PermissionDenied|--allow-ffi|Requires ffi/i.test(`${(e as Error)?.name} ${message}`)) {
        throw new BackendUnavailable({
          backend: "cpu (openblas gemm)",
          reason: `no permission to load native libraries (${message})`,
          hint: "Run Deno with --allow-ffi, or use the default WebAssembly gemm",
        });
      }
      problems.push(`${path}: ${message.split("\n")[0]}`);
      continue;
    }
    const { symbols, wrap } = opened;
    let current = 0;
    return {
      library: path,
      config: symbols.config,
      sgemm(a, b, c, s, threads) {
        if (threads !== current) symbols.openblas_set_num_threads(current = threads);
        const lda = s.transA ? s.m : s.k, ldb = s.transB ? s.k : s.n;
        symbols.cblas_sgemm(
          101, // row-major
          s.transA ? 112 : 111,
          s.transB ? 112 : 111,
          s.m,
          s.n,
          s.k,
          1,
          wrap(a),
          lda,
          wrap(b),
          ldb,
          0,
          wrap(c),
          s.n,
        );
      },
    };
  }
  throw new BackendUnavailable({
    backend: "cpu (openblas gemm)",
    reason: `no OpenBLAS library found (${problems.length} places tried; first: ${problems[0] ?? "none"})`,
    hint: "Install it (Debian: apt-get install libopenblas0-pthread), or use the default WebAssembly gemm",
  });
}
