/**
 * jax-js (npm `@jax-js/jax`) as an optional peer of the MLP: installed by
 * benchmarks/peers/setup_jaxjs.sh into .peers/jaxjs/ and loaded from there by file path with a
 * dynamic import, so that nothing else in the repository needs it (and it is typed loosely).
 *
 * It builds remat's `mlp(config)` (core/models/mlp.ts) from the chain's config, as
 * benchmarks/peers/torch_mlp.py does: a linear input stage, `depth` residual blocks
 * x + W2·relu(W1·x + b1) + b2, a linear head, weights [in, out] initialised with the same
 * standard deviations, and the mean cross-entropy over the batch (log-softmax against the
 * one-hot class ids); it is given remat's batch of step 0. One step is
 * `jit(valueAndGrad(loss))` of all parameters on its default device, "wasm", no optimizer.
 * Store-all only: jax-js 0.1.25 has no checkpoint/remat transform (its exports: grad,
 * valueAndGrad, vjp, jvp, linearize, jit, vmap, ...; none recomputes).
 *
 * Threads: its Wasm backend runs kernels in a pool of `navigator.hardwareConcurrency` workers
 * when SharedArrayBuffer and Worker exist (as in Deno), for arrays realised asynchronously
 * (`blockUntilReady`); an array realised synchronously (`dataSync`) runs its kernels on the
 * calling thread. So "1 thread" is the synchronous path and N threads the worker pool.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PeerModel } from "./models.ts";

/** Where setup_jaxjs.sh installs the package. */
const PACKAGE_DIR = ".peers/jaxjs/node_modules/@jax-js/jax";

/** What the peer says once it has built the model. */
export interface JaxjsInfo {
  /** The package's version. */
  readonly version: string;
  /** Its device: "wasm". */
  readonly device: string;
  /** The thread counts it is timed on: 1 (synchronous dispatch) and its worker pool's size. */
  readonly threads: number[];
  /** Trainable scalars. */
  readonly params: number;
  /** Scalars of model state (none in the MLP). */
  readonly state: number;
}

/** A jax-js peer, ready to time store-all steps. */
export interface JaxjsPeer {
  /** What it said when ready. */
  readonly info: JaxjsInfo;
  /** `steps` forward + backward steps on `threads` threads (one of `info.threads`), in ms. */
  run(threads: number, steps: number): Promise<number[]>;
  /** Frees its arrays and the compiled step. */
  release(): void;
}

let loaded: Promise<any> | null = null;

/** The jax-js module, imported once. */
function loadJaxjs(): Promise<any> {
  loaded ??= import(pathToFileURL(path.resolve(PACKAGE_DIR, "dist/index.js")).href);
  return loaded;
}

/**
 * jax-js with `model`'s parameters and its batch of step 0, run once on each thread count (the
 * compile, and a check that it runs here); or the reason it is not timed: not installed, a
 * model other than the MLP, or the error it failed with.
 */
export async function startJaxjs(model: PeerModel): Promise<JaxjsPeer | { skipped: string }> {
  if (!existsSync(path.resolve(PACKAGE_DIR, "package.json"))) {
    return { skipped: "jax-js is not installed (bash benchmarks/peers/setup_jaxjs.sh installs it)" };
  }
  const config = model.chain.config as Record<string, unknown> | undefined;
  if (model.key !== "mlp" || config?.model !== "mlp") {
    return { skipped: `the jax-js peer builds the MLP only (--model mlp), not the ${model.title}` };
  }
  if (Number(config.dropout ?? 0) !== 0) {
    return { skipped: `the jax-js peer builds the MLP without dropout; this one has ${config.dropout}` };
  }
  let jax: any;
  try {
    jax = await loadJaxjs();
  } catch (e) {
    return { skipped: `jax-js did not load: ${(e as Error).message}` };
  }
  try {
    return await build(jax, model, config);
  } catch (e) {
    return { skipped: `jax-js failed: ${(e as Error).stack ?? e}` };
  }
}

async function build(jax: any, model: PeerModel, config: Record<string, unknown>): Promise<JaxjsPeer> {
  const { numpy: np, nn, random, tree, valueAndGrad, jit, blockUntilReady } = jax;
  const version = JSON.parse(readFileSync(path.resolve(PACKAGE_DIR, "package.json"), "utf8"))
    .version as string;
  const depth = Number(config.depth), width = Number(config.width), hidden = Number(config.hidden);
  const classes = Number(config.classes), inputs = Number(config.inputs ?? width);
  const batch = model.batch;
  let seed = 0;
  const normal = (shape: number[], std: number) => random.normal(random.key(seed++), shape).mul(std);
  const linear = (n: number, m: number) => ({ w: normal([n, m], Math.sqrt(1 / n)), b: np.zeros([m]) });
  const params = {
    input: linear(inputs, width),
    blocks: Array.from({ length: depth }, () => ({
      w1: normal([width, hidden], Math.sqrt(2 / width)),
      b1: np.zeros([hidden]),
      w2: normal([hidden, width], Math.sqrt(1 / (hidden * depth))),
      b2: np.zeros([width]),
    })),
    head: linear(width, classes),
  };
  await blockUntilReady(params);
  const host = model.data.batch(0, batch);
  const x = np.array(Float32Array.from(host.x)).reshape([batch, inputs]);
  const labels = np.array(Int32Array.from(host.y), { dtype: np.int32 });
  const y = nn.oneHot(labels, classes); // consumes labels
  await blockUntilReady([x, y]);

  // Every argument is consumed once (jax-js's ownership rule); x is used twice per block.
  function loss(p: any, x: any, y: any) {
    let h = np.matmul(x, p.input.w).add(p.input.b);
    for (const b of p.blocks) {
      const u = nn.relu(np.matmul(h.ref, b.w1).add(b.b1));
      h = h.add(np.matmul(u, b.w2).add(b.b2));
    }
    const logits = np.matmul(h, p.head.w).add(p.head.b);
    return nn.logSoftmax(logits).mul(y).sum().mul(-1 / batch);
  }
  const step = jit(valueAndGrad(loss));

  const pool = typeof SharedArrayBuffer !== "undefined" && typeof Worker !== "undefined"
    ? Math.max(1, navigator.hardwareConcurrency || 4)
    : 1;
  const threads = pool > 1 ? [1, pool] : [1];
  const peer: JaxjsPeer = {
    info: {
      version,
      device: jax.defaultDevice(),
      threads,
      params: tree.leaves(params).reduce((n: number, a: any) => n + a.size, 0),
      state: 0,
    },
    async run(t, steps) {
      const ms: number[] = [];
      for (let s = 0; s < steps; s++) {
        (globalThis as { gc?: () => void }).gc?.();
        const t0 = performance.now();
        const [value, grads] = step(tree.ref(params), x.ref, y.ref);
        if (t === 1) {
          // The jit program's outputs share its list of kernels: realising the loss
          // synchronously runs all of them, the gradients' too, on this thread.
          value.dataSync();
        } else {
          await blockUntilReady([value, grads]);
        }
        ms.push(performance.now() - t0);
        if (t !== 1) value.dispose();
        tree.dispose(grads);
      }
      return ms;
    },
    release() {
      tree.dispose(params);
      x.dispose();
      y.dispose();
      step.dispose();
    },
  };
  for (const t of threads) await peer.run(t, 1); // compiles, and fails here rather than mid-bench
  return peer;
}
