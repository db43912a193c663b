/**
 * Driver for the WebAssembly SIMD gemm kernel (../wasm/gemm.wat): copies the operands into wasm
 * memory, runs the blocked kernel there, copies c back out.
 * @module
 */
import type { GemmShape } from "../gemm.ts";
import { gemmWasmBase64 } from "../wasm/gemm_wasm.ts";

interface Exports {
  readonly memory: WebAssembly.Memory;
  readonly MR: WebAssembly.Global;
  readonly NR: WebAssembly.Global;
  readonly KC: WebAssembly.Global;
  readonly MC: WebAssembly.Global;
  readonly NC: WebAssembly.Global;
  gemm(
    m: number,
    n: number,
    k: number,
    ta: number,
    tb: number,
    a: number,
    b: number,
    c: number,
    pa: number,
    pb: number,
  ): void;
}

const PAGE = 65536;

/** Rounds a byte count up to a whole 64-byte cache line. */
const line = (bytes: number): number => (bytes + 63) & ~63;

/** The instantiated module, or undefined when this engine lacks WebAssembly SIMD. */
const kernel: Exports | undefined = (() => {
  try {
    const text = atob(gemmWasmBase64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
  } catch {
    return undefined;
  }
})();

/** Whether the WebAssembly kernel can run here. */
export const wasmGemmAvailable: boolean = kernel !== undefined;

/** Largest memory a wasm32 module can have: 65536 pages of 64 KiB. */
const MAX_BYTES = 2 ** 32;

/**
 * c = op(a)·op(b) on the WebAssembly kernel (requires {@link wasmGemmAvailable}; m, n, k ≥ 1).
 * Returns false, leaving c untouched, when the operands do not fit in wasm memory.
 */
export function gemmWasm(a: Float32Array, b: Float32Array, c: Float32Array, s: GemmShape): boolean {
  const w = kernel!;
  const { m, n, k, transA, transB } = s;
  const mr = w.MR.value as number;
  const nr = w.NR.value as number;
  const mp = Math.ceil(m / mr) * mr;
  const np = Math.ceil(n / nr) * nr;
  const kc = w.KC.value as number;
  // Layout: [packed A | packed B | c (padded) | a | b].
  const pa = 0;
  const pb = pa + line(4 * (w.MC.value as number) * kc);
  const pc = pb + line(4 * (w.NC.value as number) * kc);
  const pA = pc + line(4 * mp * np);
  const pB = pA + line(4 * m * k);
  const end = pB + line(4 * k * n);
  if (end > MAX_BYTES) return false;
  const have = w.memory.buffer.byteLength;
  if (end > have) {
    try {
      w.memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      return false; // the engine's own memory limit
    }
  }
  const heap = new Float32Array(w.memory.buffer);
  heap.set(a.subarray(0, m * k), pA >> 2);
  heap.set(b.subarray(0, k * n), pB >> 2);
  w.gemm(m, n, k, transA ? 1 : 0, transB ? 1 : 0, pA, pB, pc, pa, pb);
  const c0 = pc >> 2;
  if (np === n) {
    c.set(heap.subarray(c0, c0 + m * n));
  } else {
    for (let i = 0; i < m; i++) c.set(heap.subarray(c0 + i * np, c0 + i * np + n), i * n);
  }
  return true;
}
