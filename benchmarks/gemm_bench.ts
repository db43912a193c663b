/**
 * gemm throughput on the residual-MLP training-step shapes (plus 512³ in all four layouts).
 *
 *   npx deno run -A benchmarks/gemm_bench.ts      (or: npx bun benchmarks/gemm_bench.ts)
 *
 * Prints GFLOP/s as the median of 7 timed samples (each ≥ 40 ms of calls) after warm-up, and the gemm time of a
 * 32-block training step (6 matmuls per block) projected from the six MLP rows.
 * With `--js`, measures the pure-JS fallback kernel instead.
 * @module
 */
import process from "node:process";
import { gemm as gemmBest, type GemmShape } from "../backends/cpu/gemm.ts";
import { gemmJs } from "../backends/cpu/gemm/js_kernel.ts";
import { wasmGemmAvailable } from "../backends/cpu/gemm/wasm_kernel.ts";

const useJs = process.argv.includes("--js");
const gemm = useJs ? gemmJs : gemmBest;

interface Case extends GemmShape {
  readonly name: string;
  /** Times this shape occurs per block of the training step (0: not part of it). */
  readonly perBlock: number;
}

const mlp = (name: string, m: number, k: number, n: number, transA: boolean, transB: boolean): Case => ({
  name,
  m,
  n,
  k,
  transA,
  transB,
  perBlock: 1,
});
const cube = (transA: boolean, transB: boolean): Case => ({
  name: `512³ ${transA ? "T" : "N"}${transB ? "T" : "N"}`,
  m: 512,
  n: 512,
  k: 512,
  transA,
  transB,
  perBlock: 0,
});

const cases: Case[] = [
  mlp("fwd  X·W1      64×256·256×1024", 64, 256, 1024, false, false),
  mlp("fwd  H·W2      64×1024·1024×256", 64, 1024, 256, false, false),
  mlp("dX   dY·W2ᵀ    64×256·(1024×256)ᵀ", 64, 256, 1024, false, true),
  mlp("dX   dH·W1ᵀ    64×1024·(256×1024)ᵀ", 64, 1024, 256, false, true),
  mlp("dW   Xᵀ·dH     (64×256)ᵀ·64×1024", 256, 64, 1024, true, false),
  mlp("dW   Hᵀ·dY     (64×1024)ᵀ·64×256", 1024, 64, 256, true, false),
  cube(false, false),
  cube(false, true),
  cube(true, false),
  cube(true, true),
];

const BLOCKS = 32;
const SAMPLES = 7;
/** Each sample repeats the call until at least this many ms have passed. */
const SAMPLE_MS = 40;

function random(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  let s = seed >>> 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Seconds per call, averaged over calls filling at least SAMPLE_MS. */
function sample(c: Case, a: Float32Array, b: Float32Array, out: Float32Array): number {
  let calls = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < SAMPLE_MS) {
    gemm(a, b, out, c);
    calls++;
    t1 = performance.now();
  }
  return (t1 - t0) / 1000 / calls;
}

/**
 * Median seconds per call of each case. Samples are taken round-robin over the cases so that a
 * burst of interference from elsewhere on the machine is spread over them rather than hitting one.
 */
function timeAll(): number[] {
  const inputs = cases.map((c) => ({
    a: random(c.m * c.k, 1),
    b: random(c.k * c.n, 2),
    out: new Float32Array(c.m * c.n),
  }));
  cases.forEach((c, i) => {
    const warmEnd = performance.now() + 100;
    do gemm(inputs[i].a, inputs[i].b, inputs[i].out, c); while (performance.now() < warmEnd);
  });
  const samples = cases.map((): number[] => []);
  for (let s = 0; s < SAMPLES; s++) {
    cases.forEach((c, i) => samples[i].push(sample(c, inputs[i].a, inputs[i].b, inputs[i].out)));
  }
  return samples.map((t) => t.sort((x, y) => x - y)[SAMPLES >> 1]);
}

const runtime = "Deno" in globalThis
  ? `deno ${(globalThis as any).Deno.version.deno}`
  : "Bun" in globalThis
  ? `bun ${(globalThis as any).Bun.version}`
  : "unknown runtime";
const kernel = useJs || !wasmGemmAvailable ? "pure-JS kernel" : "WebAssembly SIMD kernel";
console.log(`gemm benchmark (${runtime}, ${kernel}), median of ${SAMPLES} samples`);
let stepSeconds = 0;
const seconds = timeAll();
for (const [i, c] of cases.entries()) {
  const sec = seconds[i];
  stepSeconds += sec * c.perBlock * BLOCKS;
  const gflops = (2 * c.m * c.n * c.k) / sec / 1e9;
  console.log(`${c.name.padEnd(38)} ${gflops.toFixed(2).padStart(7)} GFLOP/s  ${(sec * 1e3).toFixed(3)} ms`);
}
console.log(`projected gemm time of a ${BLOCKS}-block training step: ${stepSeconds.toFixed(3)} s`);
