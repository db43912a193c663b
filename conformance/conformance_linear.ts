/**
 * The fused linear layer: the `linear` kernel must give exactly the bits of `matmul`, `biasAdd`
 * and the activation kernel run one after another (fusion may save passes, never change a
 * result), and the `linear` op's backward must be the gradient of act(x·W + b) and equal, bit
 * for bit, what the unfused ops' backwards give.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type Activation, type Backend, isActivationSide, type Op, OPS, type Tensor } from "@remat/core";
import { assertClose, dim, GRAD_TOL, type MakeBackend, property, Rng, type Scope, seed } from "./_harness.ts";
import * as ref from "./host_reference.ts";

const { biasAdd, gelu, linear, matmul, relu } = OPS;

const ACTIVATIONS: ReadonlyArray<Activation> = ["none", "relu", "gelu"];

/** The activation kernel, or the identity (a new reference) for none. */
function activate(bk: Backend, z: Tensor, act: Activation): Tensor {
  return act === "relu" ? bk.kernels.relu(z) : act === "gelu" ? bk.kernels.gelu(z) : z.retain();
}

/** Asserts two tensors hold the same bits. */
async function assertBitsEqual(s: Scope, got: Tensor, want: Tensor, what: string): Promise<void> {
  const a = await s.bits(got), b = await s.bits(want);
  assert.equal(a.length, b.length, `${what}: ${a.length} elements, expected ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      assert.fail(`${what}: element ${i} has bits ${a[i]}, the unfused kernels give ${b[i]}`);
    }
  }
}

/** act'(z) in float64: the indicator for relu (0 at the kink), a central difference of geluRef for gelu. */
function derivative(act: Activation, z: number): number {
  if (act === "relu") return z > 0 ? 1 : 0;
  if (act === "none") return 1;
  const h = 1e-5 * Math.max(1, Math.abs(z));
  return (ref.geluRef(z + h) - ref.geluRef(z - h)) / (2 * h);
}

/** Host float64 gradients of Σ act(x·W + b) ⊙ dy with respect to x, W and b. */
function hostGradients(
  x: Float64Array,
  w: Float64Array,
  b: Float64Array,
  dy: Float64Array,
  rows: number,
  k: number,
  n: number,
  act: Activation,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const z = ref.biasAddRef(ref.matmulRef(x, w, rows, n, k, false, false), b);
  const dz = z.map((v, i) => dy[i] * derivative(act, v));
  return {
    dx: ref.matmulRef(dz, w, rows, k, n, false, true),
    dw: ref.matmulRef(x, dz, k, n, rows, true, false),
    db: ref.sumRowsRef(dz, n),
  };
}

/** Runs an op's forward; the output and aux are adopted by the scope, the saved list returned. */
function forward<A>(
  s: Scope,
  op: Op<A>,
  inputs: Tensor[],
  attrs: A,
): { out: Tensor; saved: ReadonlyArray<Tensor> } {
  const r = op.forward(s.bk, inputs, attrs);
  s.own(r.out);
  s.own([...r.aux]);
  return { out: r.out, saved: r.saved };
}

/** Gradients of the unfused chain matmul → biasAdd → activation for cotangent `dy`. */
function unfusedGradients(s: Scope, x: Tensor, w: Tensor, b: Tensor, act: Activation, dy: Tensor): Tensor[] {
  const mm = forward(s, matmul, [x, w], {});
  const ba = forward(s, biasAdd, [mm.out, b], undefined);
  const actOp = act === "relu" ? relu : act === "gelu" ? gelu : null;
  let dz = dy;
  if (actOp) {
    const a = forward(s, actOp, [ba.out], undefined);
    dz = s.own(actOp.backward(s.bk, a.saved, undefined, dy)[0]!);
  }
  const [dmm, db] = biasAdd.backward(s.bk, ba.saved, undefined, dz) as Tensor[];
  s.own([dmm!, db!]);
  const [dx, dw] = s.own(matmul.backward(s.bk, mm.saved, {}, dmm!) as Tensor[]);
  return [dx!, dw!, db!];
}

/** Registers the fused-linear tests. */
export function linearTests(make: MakeBackend): void {
  test("linear is matmul → biasAdd → activation, bit for bit, for none, relu and gelu", () =>
    property(make, fc.tuple(dim, dim, dim, seed), async (s, [m, n, k, sd]) => {
      const r = new Rng(sd);
      // two fixed shapes besides the drawn one: across 64-wide tile edges, and K = 1
      for (const [M, N, K] of [[m, n, k], [70, 67, 33], [5, 3, 1]] as const) {
        const x = s.f32(r.values(M * K, -1, 1), [M, K]), w = s.f32(r.values(K * N, -1, 1), [K, N]);
        const b = s.f32(r.values(N, -0.5, 0.5), [N]);
        const z = s.own(s.bk.kernels.biasAdd(s.own(s.bk.kernels.matmul(x, w, {})), b));
        for (const act of ACTIVATIONS) {
          const fused = s.bk.kernels.linear(x, w, b, act);
          s.own(fused.y);
          if (fused.z !== null) s.own(fused.z);
          const what = `linear ${act} [${M}×${K}]·[${K}×${N}]`;
          assert.deepEqual([...fused.y.shape], [M, N], `${what}: y shape`);
          await assertBitsEqual(s, fused.y, s.own(activate(s.bk, z, act)), `${what} y`);
          assert.equal(fused.z === null, act !== "gelu", `${what}: z is returned only for gelu`);
          if (fused.z !== null) await assertBitsEqual(s, fused.z, z, `${what} z`);
        }
      }
    }));

  test("the linear op's backward is the gradient of act(x·W + b), bit for bit the unfused ops' gradients", () =>
    property(make, fc.tuple(dim, dim, dim, dim, seed), async (s, [lead, m, n, k, sd]) => {
      const r = new Rng(sd);
      for (const act of ACTIVATIONS) {
        const rows = lead * m;
        const xs = r.values(rows * k),
          ws = r.values(k * n),
          bs = r.values(n, -0.5, 0.5),
          dys = r.values(rows * n);
        // a rank-3 input, whose leading dimensions the op folds into rows
        const x = s.f32(xs, [lead, m, k]), w = s.f32(ws, [k, n]), b = s.f32(bs, [n]);
        const dy = s.f32(dys, [lead, m, n]);
        const f = forward(s, linear, [x, w, b], { activation: act });
        assert.deepEqual([...f.out.shape], [lead, m, n], `linear ${act}: output shape`);
        const grads = s.own(linear.backward(s.bk, f.saved, { activation: act }, dy) as Tensor[]);
        assert.deepEqual(
          grads.map((g) => [...g.shape]),
          [[lead, m, k], [k, n], [n]],
          `linear ${act}: gradient shapes`,
        );
        const want = hostGradients(xs, ws, bs, dys, rows, k, n, act);
        const tol = { ...GRAD_TOL, scaled: true };
        assertClose(await s.read(grads[0]!), want.dx, `linear ${act} ∂x`, tol);
        assertClose(await s.read(grads[1]!), want.dw, `linear ${act} ∂W`, tol);
        assertClose(await s.read(grads[2]!), want.db, `linear ${act} ∂b`, tol);
        const unfused = unfusedGradients(s, x, w, b, act, dy);
        for (const [i, name] of ["∂x", "∂W", "∂b"].entries()) {
          await assertBitsEqual(s, grads[i]!, unfused[i]!, `linear ${act} ${name}`);
        }
      }
    }));

  test("the linear op's backward over a scratch dy, with parameter kinds: same bits, only ∂x on the activation side", () =>
    property(make, fc.tuple(dim, dim, dim, seed), async (s, [m, n, k, sd]) => {
      const r = new Rng(sd);
      const mem = s.bk.memory;
      for (const act of ACTIVATIONS) {
        const x = s.f32(r.values(m * k), [m, k]), w = s.f32(r.values(k * n), [k, n]);
        const b = s.f32(r.values(n, -0.5, 0.5), [n]);
        const f = forward(s, linear, [x, w, b], { activation: act });
        const dys = r.values(m * n);
        const plain = s.own(
          linear.backward(s.bk, f.saved, { activation: act }, s.f32(dys, [m, n])) as Tensor[],
        );
        const dy = s.f32(dys, [m, n]);
        const before = mem.activationLive;
        mem.resetPeak();
        const options = {
          kinds: [undefined, "parameterGradient", "parameterGradient"] as const,
          dyIsScratch: true,
        };
        const grads = s.own(linear.backward(s.bk, f.saved, { activation: act }, dy, options) as Tensor[]);
        const what = `linear ${act} [${m}×${k}]·[${k}×${n}]`;
        // dz is dy's buffer (or dy itself), ∂W and ∂b are parameter gradients from the start
        assert.equal(mem.activationPeak - before, 4 * m * k, `${what}: activation-side peak is ∂x alone`);
        assert.ok(isActivationSide(grads[0]!.storage.kind), `${what}: ∂x is activation-side memory`);
        assert.equal(grads[1]!.storage.kind, "parameterGradient", `${what}: ∂W kind`);
        assert.equal(grads[2]!.storage.kind, "parameterGradient", `${what}: ∂b kind`);
        for (const [i, name] of ["∂x", "∂W", "∂b"].entries()) {
          await assertBitsEqual(s, grads[i]!, plain[i]!, `${what} ${name} over a scratch dy`);
        }
      }
    }));
}
