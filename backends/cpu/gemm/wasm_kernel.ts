/**
 * Driver for the WebAssembly SIMD gemm kernel (../wasm/gemm.wat): copies the operands into the
 * kernel's shared memory, runs the blocked kernel there (on bands of rows spread over helper
 * threads, see gemm_pool.ts, when asked for more than one thread and the product is large
 * enough), copies c back out. The bits of c do not depend on the number of threads.
 * @module
 */
import type { GemmShape } from "../gemm.ts";
import { gemmWasmBase64 } from "../wasm/gemm_wasm.ts";
import { type BandArgs, GemmPool } from "./gemm_pool.ts";

interface Exports {
  readonly MR: WebAssembly.Global;
  readonly NR: WebAssembly.Global;
  readonly KC: WebAssembly.Global;
  readonly MC: WebAssembly.Global;
  readonly NC: WebAssembly.Global;
  gemm(...args: BandArgs): void;
}

const PAGE = 65536;
/** The memory's maximum, as the module declares it: 16384 pages (1 GiB). */
const MAX_PAGES = 16384;
/** Below this many multiply-adds a product runs on one thread (handing out bands costs more). */
const THREADED_MIN_FMAS = 1 << 20;

/** Rounds a byte count up to a whole 64-byte cache line. */
const line = (bytes: number): number => (bytes + 63) & ~63;

/** The shared memory and the instantiated module, or undefined when this engine lacks SIMD or threads. */
const loaded: { module: WebAssembly.Module; memory: WebAssembly.Memory; kernel: Exports } | undefined =
  (() => {
    try {
      const text = atob(gemmWasmBase64);
      const bytes = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
      const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
      const module = new WebAssembly.Module(bytes);
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      return { module, memory, kernel: instance.exports as unknown as Exports };
    } catch {
      return undefined;
    }
  })();

/** Whether the WebAssembly kernel can run here. */
export const wasmGemmAvailable: boolean = loaded !== undefined;

/** Threads this machine has (the default of a CPU backend). */
export const hardwareThreads: number = Math.max(
  1,
  (globalThis.navigator as { hardwareConcurrency?: number } | undefined)?.hardwareConcurrency ?? 1,
);

let pool: GemmPool | undefined;
/** Products split over more than one thread so far (for tests and benchmarks). */
let threadedProducts = 0;

/**
 * How the gemm's threads stand: helpers ready now, and products split over threads so far.
 * @example
 * ```ts
 * console.log(gemmThreading().helpersReady);
 * ```
 */
export function gemmThreading(): { readonly helpersReady: number; readonly threadedProducts: number } {
  return { helpersReady: pool?.ready(hardwareThreads).length ?? 0, threadedProducts };
}

/**
 * Starts the helper threads (normally started by the first large product) and resolves once
 * all are ready, or after `timeoutMs`, with how many are.
 * @example
 * ```ts
 * await startGemmHelpers(); // later products use every hardware thread
 * ```
 */
export async function startGemmHelpers(timeoutMs = 10_000): Promise<number> {
  const p = helpers();
  if (!p) return 0;
  const until = performance.now() + timeoutMs;
  while (p.ready(p.size).length < p.size && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 5));
  }
  return p.ready(p.size).length;
}
/** The helper pool, started on first use with one helper per hardware thread beyond the first. */
function helpers(): GemmPool | undefined {
  if (hardwareThreads < 2 || !loaded) return undefined;
  return pool ??= new GemmPool(loaded.module, loaded.memory, hardwareThreads - 1);
}

/**
 * c = op(a)·op(b) on the WebAssembly kernel (requires {@link wasmGemmAvailable}; m, n, k ≥ 1),
 * on up to `s.threads` threads (default 1). Returns false, leaving c untouched, when the
 * operands do not fit in wasm memory.
 */
export function gemmWasm(a: Float32Array, b: Float32Array, c: Float32Array, s: GemmShape): boolean {
  const { memory, kernel: w } = loaded!;
  const { m, n, k, transA, transB } = s;
  const mr = w.MR.value as number;
  const nr = w.NR.value as number;
  const mp = Math.ceil(m / mr) * mr;
  const np = Math.ceil(n / nr) * nr;
  const kc = w.KC.value as number;
  const want = Math.min(s.threads ?? 1, hardwareThreads, mp / mr);
  const threads = want > 1 && m * n * k >= THREADED_MIN_FMAS ? want : 1;
  const team = threads > 1 ? helpers()?.ready(threads - 1) ?? [] : [];
  // Layout: [per thread: packed A | packed B] [c (padded) | a | b]; scratch for every thread
  // the pool may use, so the layout does not depend on how many are ready.
  const paBytes = line(4 * (w.MC.value as number) * kc);
  const pbBytes = line(4 * (w.NC.value as number) * kc);
  const scratch = (paBytes + pbBytes) * Math.max(1, hardwareThreads);
  const pc = scratch;
  const pA = pc + line(4 * mp * np);
  const pB = pA + line(4 * m * k);
  const end = pB + line(4 * k * n);
  if (end > MAX_PAGES * PAGE) return false;
  const have = memory.buffer.byteLength;
  if (end > have) {
    try {
      memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      return false; // the engine's own memory limit
    }
  }
  const heap = new Float32Array(memory.buffer);
  heap.set(a.subarray(0, m * k), pA >> 2);
  heap.set(b.subarray(0, k * n), pB >> 2);
  const bands = 1 + team.length;
  const rowsPer = Math.ceil(mp / mr / bands) * mr;
  const args: BandArgs[] = [];
  for (let t = 0, lo = 0; t < bands && lo < mp; t++, lo += rowsPer) {
    const pa = t * (paBytes + pbBytes);
    args.push([
      m,
      n,
      k,
      transA ? 1 : 0,
      transB ? 1 : 0,
      pA,
      pB,
      pc,
      pa,
      pa + paBytes,
      lo,
      Math.min(mp, lo + rowsPer),
    ]);
  }
  if (args.length === 1) w.gemm(...args[0]!);
  else (threadedProducts++, pool!.run(args, team, (band) => w.gemm(...band)));
  const c0 = pc >> 2;
  const out = new Float32Array(memory.buffer); // the buffer object changes when the memory grows
  if (np === n) {
    c.set(out.subarray(c0, c0 + m * n));
  } else {
    for (let i = 0; i < m; i++) c.set(out.subarray(c0 + i * np, c0 + i * np + n), i * n);
  }
  return true;
}
