/**
 * A gemm helper thread (see gemm_pool.ts): instantiates the kernel over the shared memory it
 * is sent, says it is ready, then computes the band of rows it is given each time its sequence
 * number changes, and decrements the pending count.
 * @module
 */
import { parentPort } from "node:worker_threads";
import { ARGS, READY, SEQ, SLOTS } from "./gemm_pool.ts";

interface Start {
  /** The compiled kernel (its code is shared with the caller's, optimised tiers included). */
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly ctl: SharedArrayBuffer;
  readonly index: number;
}

type Gemm = (...args: number[]) => void;

parentPort!.once("message", ({ module, memory, ctl, index }: Start) => {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const gemm = instance.exports.gemm as Gemm;
  const c = new Int32Array(ctl);
  const base = 1 + index * SLOTS;
  Atomics.store(c, base + READY, 1);
  let seen = Atomics.load(c, base + SEQ);
  for (;;) {
    Atomics.wait(c, base + SEQ, seen);
    const seq = Atomics.load(c, base + SEQ);
    if (seq === seen) continue;
    seen = seq;
    gemm(...Array.from(c.subarray(base + ARGS, base + ARGS + 12)));
    if (Atomics.sub(c, 0, 1) === 1) Atomics.notify(c, 0);
  }
});
