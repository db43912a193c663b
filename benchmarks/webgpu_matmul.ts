/**
 * Timing one f32 matrix product on a WebGPU backend, checked before it is timed: a few entries
 * of the product are compared with float64 dot products, so a wrong kernel never reports a
 * speed. Products are timed in batches between flushes (a flush waits for the device, which
 * costs far more than a small product): the batch doubles until it takes about `batchMs`, and
 * the median of five batches is reported. A product that alone takes seconds (a software
 * adapter) is timed once or three times instead.
 * Shared by `benchmarks/webgpu_bench.ts` and the GPU host check (`benchmarks/gpu_check/`).
 * @module
 */
import type { Backend, MatmulOptions, Tensor } from "@remat/core";
import { matmulTile } from "@remat/webgpu";

/** One timed product: its layout, the median time of one product and what that was taken from. */
export interface MatmulTiming {
  readonly size: number;
  readonly transA: boolean;
  readonly transB: boolean;
  /** The kernel's output tile edge for this shape. */
  readonly tile: number;
  /** Median time of one product, ms. */
  readonly ms: number;
  readonly gflops: number;
  /** Timed batches behind the median. */
  readonly batches: number;
  /** Products per batch. */
  readonly perBatch: number;
  /** Entries compared with float64 before timing, and the largest error seen relative to its bound. */
  readonly checked: { readonly entries: number; readonly worstErrorOfBound: number };
}

/** Options of {@link timeMatmul}. */
export interface MatmulTimingOptions {
  /** Operand layout. Default both untransposed. */
  readonly layout?: MatmulOptions;
  /** A batch of products is grown until it takes about this long. Default 200 ms. */
  readonly batchMs?: number;
}

/**
 * Checks, then times op(a)·op(b) with n×n operands on any backend (the tile is the WebGPU
 * kernel's choice for the shape).
 * @throws Error when an entry of the product is off by more than any f32 summation order allows
 * @example
 * ```ts
 * const gpu = await WebGpuBackend.create();
 * const r = await timeMatmul(gpu, 1024);
 * console.log(`${r.gflops.toFixed(0)} GFLOP/s`);
 * ```
 */
export async function timeMatmul(
  gpu: Backend,
  n: number,
  options: MatmulTimingOptions = {},
): Promise<MatmulTiming> {
  const layout = options.layout ?? { transA: false, transB: false };
  const batchMs = options.batchMs ?? 200;
  const ha = randomF32(n * n, 1), hb = randomF32(n * n, 2);
  const a = gpu.upload(ha, [n, n], "f32"), b = gpu.upload(hb, [n, n], "f32");
  try {
    const checked = await checkProduct(gpu, n, ha, hb, layout, a, b); // also compiles the pipeline
    const once = async (reps: number) => {
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) gpu.kernels.matmul(a, b, layout).release();
      await gpu.flush();
      return (performance.now() - t0) / reps;
    };
    const single = await once(1);
    const times: number[] = [];
    let perBatch = 1;
    if (single >= 5000) times.push(single);
    else if (single >= 500) times.push(single, await once(1), await once(1));
    else {
      // double the batch until it takes batchMs: a lone product's time is mostly the flush's
      let ms = single;
      while (ms * perBatch < batchMs && perBatch < 4096) ms = await once(perBatch *= 2);
      for (let i = 0; i < 5; i++) times.push(await once(perBatch));
    }
    const ms = median(times);
    return {
      size: n,
      transA: !!layout.transA,
      transB: !!layout.transB,
      tile: matmulTile(n, n),
      ms,
      gflops: (2 * n ** 3) / (ms * 1e6),
      batches: times.length,
      perBatch,
      checked,
    };
  } finally {
    a.release();
    b.release();
  }
}

/**
 * Compares a few entries of one product (corners, middle, others) with float64 dot products.
 * @throws Error naming the entry, the value seen and float64's
 */
async function checkProduct(
  gpu: Backend,
  n: number,
  ha: Float32Array,
  hb: Float32Array,
  layout: MatmulOptions,
  a: Tensor,
  b: Tensor,
): Promise<MatmulTiming["checked"]> {
  const c = gpu.kernels.matmul(a, b, layout);
  const got = await gpu.read(c);
  c.release();
  const A = (i: number, k: number) => ha[layout.transA ? k * n + i : i * n + k]!;
  const B = (k: number, j: number) => hb[layout.transB ? j * n + k : k * n + j]!;
  const spots: Array<[number, number]> = [
    [0, 0],
    [0, n - 1],
    [n - 1, 0],
    [n - 1, n - 1],
    [n >> 1, n >> 2],
    [(n * 7) >> 3, (n * 3) >> 3],
  ];
  let worst = 0;
  for (const [i, j] of spots) {
    let want = 0, magnitude = 0;
    for (let k = 0; k < n; k++) {
      want += A(i, k) * B(k, j);
      magnitude += Math.abs(A(i, k) * B(k, j));
    }
    const tol = 2 * n * 2 ** -24 * magnitude + 1e-6; // any summation order of n float32 products
    const err = Math.abs(got[i * n + j]! - want);
    if (!(err <= tol)) {
      throw new Error(
        `matmul ${n}² ${JSON.stringify(layout)}: c[${i}, ${j}] = ${
          got[i * n + j]
        }, float64 ${want} (allowed error ${tol}); not timing a wrong kernel`,
      );
    }
    worst = Math.max(worst, err / tol);
  }
  return { entries: spots.length, worstErrorOfBound: worst };
}

/**
 * Deterministic values in [−0.5, 0.5) from a linear congruential sequence.
 * @example
 * ```ts
 * randomF32(4, 1); // the same four values on every call
 * ```
 */
export function randomF32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

/** The upper median. */
export function median(xs: ReadonlyArray<number>): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
