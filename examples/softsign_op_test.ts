import assert from "node:assert/strict";
import { test } from "node:test";
import { Effect } from "effect";
import {
  executePlan,
  initParams,
  MissingKernel,
  opByName,
  registerOp,
  requireKernels,
  staticProfile,
  train,
  withBackend,
} from "@remat/core";
import process from "node:process";
import { runOpConformance } from "@remat/conformance";
import { CpuBackend } from "@remat/cpu";
import { spirals } from "@remat/datasets";
import { sqrt } from "@remat/strategies";
import { hasWebGpu, WebGpuBackend } from "@remat/webgpu";
import { softsign, softsignMlp } from "./softsign_op.ts";

test("registerOp makes a user's op known by name and refuses a core op's name", () => {
  assert.equal(opByName("softsign"), softsign);
  assert.throws(() => registerOp({ ...softsign, name: "relu" }), /invalid op name: got "relu"/);
});

test("a plan records the user kernels of its chain, and a backend that cannot run one fails before anything runs", async () => {
  class NoUserKernels extends CpuBackend {
    override canRun(): boolean {
      return false;
    }
  }
  const chain = softsignMlp({ depth: 3, width: 4, inputs: 2, classes: 3 });
  const profile = staticProfile(chain, 8);
  assert.deepEqual(profile.userKernels, ["softsign", "softsignBackward"]);
  const plan = sqrt(profile);
  assert.deepEqual(plan.madeFor?.kernels, ["softsign", "softsignBackward"]);

  const b = new NoUserKernels();
  const params = initParams(chain, b, 0);
  const x = b.upload(new Float32Array(16), [8, 2], "f32", "io");
  const y = b.upload(new Int32Array(8), [8], "i32", "io");
  const before = b.memory.report();
  assert.throws(() => executePlan(plan, { backend: b, chain, params, batch: { x, y } }), (e) => {
    assert.ok(e instanceof MissingKernel);
    assert.match(e.message, /kernel "softsign" cannot run on cpu: cpu cannot run it/);
    return true;
  });
  assert.deepEqual(b.memory.report(), before, "nothing allocated");
  const exit = await Effect.runPromiseExit(
    train(chain, spirals({ classes: 3 }), { steps: 1, batch: 8 }).pipe(Effect.provide(withBackend(b))),
  );
  assert.ok(exit._tag === "Failure" && /kernel "softsign" cannot run on cpu/.test(String(exit.cause)));
  assert.throws(
    () => requireKernels(new CpuBackend(), ["never.defined"]),
    /no kernel of that name is defined/,
  );
});

const softsignCase = {
  op: softsign,
  attrs: undefined,
  shapes: [[5, 7]],
  reference: ([x]: ReadonlyArray<Float64Array>) => x!.map((v) => v / (1 + Math.abs(v))),
};
runOpConformance("cpu", () => new CpuBackend(), softsignCase);
if (hasWebGpu()) {
  // one device per backend, destroyed with it (WebGpuBackend.create owns its device)
  const probe = await WebGpuBackend.create().catch((e) => e as Error);
  if (probe instanceof Error) {
    test(
      "softsign on webgpu: an adapter is required under CI=true",
      { skip: process.env.CI !== "true" },
      () => {
        assert.fail(probe.message);
      },
    );
  } else {
    probe.dispose();
    runOpConformance("webgpu", () => WebGpuBackend.create(), softsignCase);
  }
}
