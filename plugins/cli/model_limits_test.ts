import assert from "node:assert/strict";
import { totalmem } from "node:os";
import { test } from "node:test";
import { gpt, mlp, parameterCount, staticProfile } from "@remat/core";
import { storeAll } from "@remat/strategies";
import { UsageError } from "./args.ts";
import { checkModelFits, modelBytes } from "./model_limits.ts";

test("modelBytes counts 4 bytes per parameter and every activation, a lower bound of store-all's peak", () => {
  for (
    const chain of [
      mlp({ depth: 6, width: 32, hidden: 64, classes: 3, inputs: 2 }),
      gpt({ layers: 2, dModel: 16, heads: 2, seqLen: 8, vocab: 20 }),
    ]
  ) {
    const { parameters, activations } = modelBytes(chain, 8);
    assert.equal(parameters, 4 * parameterCount(chain));
    const outputs = staticProfile(chain, 8).stages.reduce((a, s) => a + s.outputBytes, 0);
    assert.ok(activations >= outputs, `${chain.name}: ${activations} ≥ the stage outputs ${outputs}`);
    const peak = storeAll(staticProfile(chain, 8)).summary().predictedPeakBytes;
    assert.ok(activations <= peak, `${chain.name}: ${activations} ≤ store-all's peak ${peak}`);
  }
});

test("checkModelFits passes a small model and refuses one over the limit, naming the estimate and the limit", () => {
  const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 3, inputs: 2 });
  checkModelFits(chain, 4);
  const { parameters, activations } = modelBytes(chain, 4);
  checkModelFits(chain, 4, { limitBytes: parameters + activations });
  assert.throws(
    () => checkModelFits(chain, 4, { limitBytes: parameters + activations - 1, what: "the test model" }),
    (e: unknown) =>
      e instanceof UsageError &&
      /^the test model at batch 4 needs at least [\d.]+ KiB \(parameters [\d.]+ KiB \+ store-all activations [\d.]+ B\); the limit is [\d.]+ KiB: use smaller sizes/
        .test(e.message),
  );
  assert.throws(
    () => checkModelFits(mlp({ depth: 10_000, width: 65_536, hidden: 65_536, classes: 3 }), 128),
    (e: unknown) => e instanceof UsageError && e.message.includes("this machine's memory") && totalmem() > 0,
  );
});
