import assert from "node:assert/strict";
import { test } from "node:test";
import { type Chain, parameterCount } from "./chain.ts";
import type { MemoryKind } from "./memory.ts";
import { MetaBackend } from "./meta_backend.ts";
import { gpt } from "./models/gpt.ts";
import { mlp } from "./models/mlp.ts";
import { initParams, readParams, releaseParams } from "./params.ts";
import type { DType, HostArray, Shape, Tensor } from "./tensor.ts";

/** The meta backend, keeping a copy of every host array uploaded to it and the kind it went under. */
class RecordingBackend extends MetaBackend {
  readonly uploads: Array<{ data: Float32Array | Int32Array; kind: MemoryKind | undefined }> = [];
  override upload<D extends DType>(data: HostArray<D>, shape: Shape, dtype: D, kind?: MemoryKind): Tensor {
    this.uploads.push({ data: data.slice(), kind });
    return super.upload(data, shape, dtype, kind);
  }
}

const chains: ReadonlyArray<Chain> = [
  mlp({ depth: 3, width: 6, hidden: 10, classes: 4, inputs: 3 }),
  gpt({ layers: 2, dModel: 8, heads: 2, seqLen: 4, vocab: 11 }),
];

/** What initParams uploads for `chain` under `seed`. */
function uploadsFor(chain: Chain, seed: number) {
  const backend = new RecordingBackend();
  releaseParams(initParams(chain, backend, seed));
  return backend.uploads;
}

const bits = (a: Float32Array | Int32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

test("initParams is deterministic in the seed: the same seed uploads the same bits, another seed other bits", () => {
  for (const chain of chains) {
    const a = uploadsFor(chain, 7), b = uploadsFor(chain, 7), c = uploadsFor(chain, 8);
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) {
      assert.deepEqual(bits(a[i]!.data), bits(b[i]!.data), `${chain.name} #${i}`);
    }
    const specs = chain.stages.flatMap((s) => s.params);
    const normals = specs.flatMap((p, i) => (p.init.kind === "normal" ? [i] : []));
    assert.ok(normals.length > 0, chain.name);
    for (const i of normals) {
      assert.notDeepEqual(
        bits(a[i]!.data),
        bits(c[i]!.data),
        `${chain.name} ${specs[i]!.name}: seed 8 differs`,
      );
    }
  }
});

test("initParams follows each parameter's init: zeros, ones, and normal with its std", () => {
  for (const chain of chains) {
    const up = uploadsFor(chain, 3);
    const specs = chain.stages.flatMap((s) => s.params);
    assert.equal(up.length, specs.length, chain.name);
    specs.forEach((spec, i) => {
      const data = up[i]!.data;
      const what = `${chain.name} ${spec.name}`;
      assert.ok(data instanceof Float32Array, `${what}: f32`);
      assert.equal(up[i]!.kind, "parameter", `${what}: uploaded as a parameter`);
      if (spec.init.kind === "zeros") assert.ok(data.every((v) => v === 0), `${what}: zeros`);
      else if (spec.init.kind === "ones") assert.ok(data.every((v) => v === 1), `${what}: ones`);
      else {
        // Not a statistical test: every value finite, not all equal, and within 8 std.
        const std = spec.init.std;
        assert.ok(data.every((v) => Number.isFinite(v) && Math.abs(v) <= 8 * std), `${what}: within 8 std`);
        assert.ok(data.some((v) => v !== data[0]), `${what}: not constant`);
      }
    });
  }
});

test("initParams allocates one parameter tensor per spec, counted as state; releaseParams returns it to zero", async () => {
  for (const chain of chains) {
    const backend = new MetaBackend();
    const params = initParams(chain, backend, 0);
    assert.deepEqual(params.map((row) => row.length), chain.stages.map((s) => s.params.length));
    params.forEach((row, si) =>
      row.forEach((p, pi) => {
        assert.deepEqual(p.shape, chain.stages[si]!.params[pi]!.shape);
        assert.equal(p.dtype, "f32");
        assert.equal(p.storage.kind, "parameter");
      })
    );
    const report = backend.memory.report();
    assert.equal(report.live.parameter, 4 * parameterCount(chain), chain.name);
    assert.equal(report.stateBytes, 4 * parameterCount(chain));
    assert.equal(report.activationLive, 0, "parameters are not activation memory");

    const host = await readParams(backend, params);
    assert.deepEqual(
      host.map((row) => row.map((a) => a.length)),
      params.map((row) => row.map((p) => p.size)),
    );

    releaseParams(params);
    const after = backend.memory.report();
    assert.equal(after.stateBytes, 0);
    assert.ok(Object.values(after.live).every((b) => b === 0), `${chain.name}: nothing left live`);
  }
});
