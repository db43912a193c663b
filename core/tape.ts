/**
 * A stage's tape: the op applications of one recorded forward, with the tensors their
 * backward rules need, and the reverse sweep over them.
 * @module
 */
import type { Backend } from "./backend.ts";
import { gradientAs, type Op, type OpCost } from "./ops/op.ts";
import type { Tensor } from "./tensor.ts";

/** One recorded op application. */
export interface TapeNode {
  /** The op applied. */
  readonly op: Op<any>;
  /** The op's attributes, as passed to its forward. */
  readonly attrs: unknown;
  /** Input tensors (identity only; not retained unless also saved). */
  readonly inputs: ReadonlyArray<Tensor>;
  /** Output tensor (identity only). */
  readonly out: Tensor;
  /** Retained for the backward rule. */
  readonly saved: ReadonlyArray<Tensor>;
}

/**
 * What a partial tape (see partial_tape.ts) holds and re-runs: its backward first re-runs the
 * nodes `rerun` (ascending) with the very same ops and attributes on the tensors it holds, to
 * regenerate the saved tensors it dropped.
 */
export interface Replay {
  /** Indices of the nodes to re-run before the backward, ascending. */
  readonly rerun: ReadonlyArray<number>;
  /** The tensors the tape keeps (one reference each), released with it. */
  readonly held: ReadonlyArray<Tensor>;
}

/** Gradients of a stage's input and parameters. */
export interface StageGradients {
  /** ∂loss/∂x, or null when x is integer data or unused. */
  readonly dx: Tensor | null;
  /** ∂loss/∂param for each parameter, null where unused. */
  readonly dparams: ReadonlyArray<Tensor | null>;
}

/**
 * The recorded forward of one stage.
 *
 * @example
 * ```ts
 * import { Recorder } from "@remat/core";
 * import { CpuBackend } from "@remat/cpu";
 * const backend = new CpuBackend();
 * const x = backend.upload(new Float32Array([1, -1]), [1, 2], "f32");
 * const ctx = new Recorder(backend, { record: true, key: { seed: 0, step: 0, stage: 0 } });
 * const { output, tape } = ctx.finish(ctx.relu(x), x);
 * const dy = backend.upload(new Float32Array([1, 1]), [1, 2], "f32");
 * const { dx } = tape!.backward(backend, dy, x, []); // dx = [1, 0]
 * ```
 */
export class Tape {
  #released = false;
  /** A tape of `nodes` whose last output is `output`. */
  constructor(
    readonly nodes: ReadonlyArray<TapeNode>,
    readonly output: Tensor,
    /** The stage input the forward ran on (identity only), or null when not given. */
    readonly input: Tensor | null = null,
    /** For a partial tape: what it holds and what its backward re-runs first. */
    readonly replay: Replay | null = null,
  ) {}

  /**
   * The reverse sweep: from ∂loss/∂output (not consumed) to the gradients of `x` and
   * `params`, accumulating in tape order so the result is bit-stable. Releases the tape.
   * `x` defaults to the input the tape was recorded on (a scheduler may have dropped its
   * own reference to it by now; the identity is what matters).
   */
  backward(b: Backend, dOut: Tensor, x: Tensor | null, params: ReadonlyArray<Tensor>): StageGradients {
    if (this.#released) throw new Error("remat internal: backward over a released tape");
    const { fresh, made } = this.replay ? rerun(b, this.nodes, this.replay) : { fresh: null, made: [] };
    const savedOf = (node: TapeNode) => fresh ? node.saved.map((t) => fresh.get(t) ?? t) : node.saved;
    const grads = new Map<Tensor, Tensor>();
    grads.set(this.output, dOut.retain());
    // A parameter's gradient is parameter-gradient memory from the moment its buffer exists
    // (the activation budget is what a plan controls): ops allocate it under that kind, and
    // one that came back under another (a multi-output kernel, e.g. layer norm's) is retagged
    // at once, unless its storage is shared with an activation gradient (add's backward hands
    // dy to both inputs).
    const isParam = new Set(params);
    const keep = (input: Tensor, g: Tensor) => {
      if (isParam.has(input) && g.storage.refs === 1) g.storage.setKind("parameterGradient");
      grads.set(input, g);
    };
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      const dy = grads.get(node.out);
      if (!dy) continue;
      grads.delete(node.out);
      const kinds = node.inputs.map((t) => (isParam.has(t) ? "parameterGradient" as const : undefined));
      // the map held dy's only reference (refs 1): the rule may overwrite it, as it is dropped next
      const gin = node.op.backward(b, savedOf(node), node.attrs as never, dy, {
        kinds,
        dyIsScratch: dy.storage.refs === 1,
      });
      dy.release();
      for (let j = 0; j < node.inputs.length; j++) {
        const g = gin[j];
        if (!g) continue;
        const input = node.inputs[j]!;
        const prev = grads.get(input);
        if (prev) {
          keep(input, gradientAs(b, kinds, j, () => b.kernels.add(prev, g)));
          prev.release();
          g.release();
        } else {
          keep(input, g);
        }
      }
    }
    for (const t of made) t.release();
    this.release();
    const take = (t: Tensor): Tensor | null => {
      const g = grads.get(t) ?? null;
      grads.delete(t);
      return g;
    };
    const input = x ?? this.input;
    const dx = input ? take(input) : null;
    const dparams = params.map(take);
    for (const g of grads.values()) g.release();
    return { dx, dparams };
  }

  /** Bytes of distinct storages this tape keeps alive, excluding those in `exclude`. */
  savedBytes(exclude: ReadonlyArray<Tensor> = []): number {
    const seen = new Set(exclude.map((t) => t.storage));
    let bytes = 0;
    for (const t of this.heldTensors()) {
      if (seen.has(t.storage)) continue;
      seen.add(t.storage);
      bytes += t.storage.bytes;
    }
    return bytes;
  }

  /** The tensors this tape keeps alive: every node's saved ones, or a partial tape's held ones. */
  heldTensors(): ReadonlyArray<Tensor> {
    return this.replay ? this.replay.held : this.nodes.flatMap((n) => n.saved);
  }

  /** Work of the ops a partial tape's backward re-runs first (zero for a whole tape). */
  replayCost(): OpCost["forward"] {
    let flops = 0, bytes = 0;
    for (const i of this.replay?.rerun ?? []) {
      const n = this.nodes[i]!;
      const c = n.op.cost(n.inputs.map((t) => t.shape), n.attrs as never);
      flops += c.forward.flops;
      bytes += c.forward.bytes;
    }
    return { flops, bytes };
  }

  /** Forward and backward work of the recorded ops, from their cost models. */
  cost(): OpCost {
    let ff = 0, fb = 0, bf = 0, bb = 0;
    for (const n of this.nodes) {
      const c = n.op.cost(n.inputs.map((t) => t.shape), n.attrs as never);
      ff += c.forward.flops;
      fb += c.forward.bytes;
      bf += c.backward.flops;
      bb += c.backward.bytes;
    }
    return { forward: { flops: ff, bytes: fb }, backward: { flops: bf, bytes: bb } };
  }

  /** Drops the saved tensors. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const t of this.heldTensors()) t.release();
  }

  /** True once released. */
  get released(): boolean {
    return this.#released;
  }
}

/**
 * Re-runs a partial tape's `rerun` nodes in order, each on the tensors held or re-run before
 * it, with its recorded attributes — except that an op never updates state here (batch norm's
 * `update` is off: running statistics move once per step). Returns the regenerated tensor for
 * each original one, and every tensor made (one reference each, released after the backward).
 */
function rerun(
  b: Backend,
  nodes: ReadonlyArray<TapeNode>,
  replay: Replay,
): { fresh: Map<Tensor, Tensor>; made: Tensor[] } {
  const fresh = new Map<Tensor, Tensor>(), made: Tensor[] = [];
  for (const i of replay.rerun) {
    const node = nodes[i]!;
    const inputs = node.inputs.map((t) => fresh.get(t) ?? t);
    const attrs = noStateUpdate(node.attrs);
    const { out, saved, aux } = b.memory.withKind("tape", () => node.op.forward(b, inputs, attrs as never));
    fresh.set(node.out, out);
    made.push(out);
    // saved tensors are taken before aux is released: an op may list a tensor in both
    node.saved.forEach((orig, j) => {
      const t = saved[j]!;
      if (t === orig || fresh.has(orig)) return;
      fresh.set(orig, t.retain());
      made.push(t);
    });
    for (const t of aux) t.release();
  }
  return { fresh, made };
}

function noStateUpdate(attrs: unknown): unknown {
  return attrs !== null && typeof attrs === "object" && (attrs as { update?: unknown }).update === true
    ? { ...attrs, update: false }
    : attrs;
}
