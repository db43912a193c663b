/**
 * Helper threads for the WebAssembly gemm: workers (node:worker_threads, which Deno and Bun
 * both provide, unref'd so they never keep a process alive) that instantiate the same kernel
 * over the same shared memory and each compute a band of rows of c when told to. Control
 * travels through a shared Int32Array and Atomics: the calling thread writes a band's
 * arguments, bumps the band's sequence number and computes its own band, then waits until
 * every helper has decremented the pending count. Each c element is computed by exactly one
 * thread with the same code, so the result is the same bits for any number of threads.
 *
 * Workers start in the background; until one says it is ready the caller simply does its
 * bands itself. A worker that fails to start (say, its module is missing from a bundle) is
 * never used.
 * @module
 */
import { Worker } from "node:worker_threads";

/** Int32 slots per helper in the control array. */
const SLOTS = 16;
/** Slot offsets within a helper's block. */
const SEQ = 0, READY = 1, ARGS = 2;
/** Arguments of one band: m, n, k, ta, tb, a, b, c, pa, pb, lo, hi. */
export type BandArgs = readonly [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

/** A pool of gemm helper threads over one shared memory. */
export class GemmPool {
  readonly #ctl: Int32Array;
  readonly #workers: Worker[] = [];
  readonly #dead: boolean[] = [];

  /** Starts `size` helpers (in the background) running `module` over `memory`. */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, readonly size: number) {
    this.#ctl = new Int32Array(new SharedArrayBuffer(4 * (1 + size * SLOTS)));
    for (let i = 0; i < size; i++) {
      this.#dead.push(false);
      try {
        const worker = new Worker(new URL("./gemm_worker.ts", import.meta.url));
        worker.on("error", () => (this.#dead[i] = true));
        worker.on("exit", () => (this.#dead[i] = true));
        worker.postMessage({ module, memory, ctl: this.#ctl.buffer, index: i });
        worker.unref();
        this.#workers.push(worker);
      } catch {
        this.#dead[i] = true;
      }
    }
  }

  /** Helpers ready now, at most `max`: their indices. */
  ready(max: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size && out.length < max; i++) {
      if (!this.#dead[i] && Atomics.load(this.#ctl, 1 + i * SLOTS + READY) === 1) out.push(i);
    }
    return out;
  }

  /**
   * Runs `bands[0]` on this thread through `own` and each further band on one of `helpers`
   * (from `ready`), returning once all are done.
   */
  run(bands: ReadonlyArray<BandArgs>, helpers: ReadonlyArray<number>, own: (args: BandArgs) => void): void {
    const ctl = this.#ctl;
    Atomics.store(ctl, 0, bands.length - 1);
    for (let h = 1; h < bands.length; h++) {
      const base = 1 + helpers[h - 1]! * SLOTS;
      ctl.set(bands[h]!, base + ARGS);
      Atomics.add(ctl, base + SEQ, 1);
      Atomics.notify(ctl, base + SEQ);
    }
    own(bands[0]!);
    for (;;) {
      const pending = Atomics.load(ctl, 0);
      if (pending === 0) return;
      if (Atomics.wait(ctl, 0, pending, 30_000) === "timed-out" && Atomics.load(ctl, 0) === pending) {
        throw new Error("gemm: a helper thread did not finish its band in 30 s");
      }
    }
  }

  /** Stops the helpers. */
  close(): void {
    for (const w of this.#workers) void w.terminate();
    this.#dead.fill(true);
  }
}

export { ARGS, READY, SEQ, SLOTS };
