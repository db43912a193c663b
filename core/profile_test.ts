import assert from "node:assert/strict";
import { test } from "node:test";
import { MetaBackend } from "./meta_backend.ts";
import { mlp } from "./models/mlp.ts";
import { measureProfile, staticProfile } from "./profile.ts";

/** A meta backend whose flush busy-waits: 8, 2 and 4 ms for the three repeats' forward and backward. */
class TimedMeta extends MetaBackend {
  calls = 0;
  override flush(): Promise<void> {
    const delay = [8, 8, 2, 2, 4, 4][this.calls++ % 6]!;
    const until = performance.now() + delay;
    while (performance.now() < until) { /* busy */ }
    return Promise.resolve();
  }
}

const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 3, inputs: 4 });

test("measureProfile keeps the static bytes and takes the median or the minimum of the repeats", async () => {
  const median = await measureProfile(chain, new TimedMeta(), 4, { repeats: 3, warmup: 0 });
  const min = await measureProfile(chain, new TimedMeta(), 4, { repeats: 3, warmup: 0, statistic: "min" });
  const bytes = staticProfile(chain, 4);
  assert.equal(median.source, "measured:meta");
  for (const p of [median, min]) {
    assert.deepEqual(p.stages.map((s) => [s.outputBytes, s.tapeBytes, s.backwardPeak]), bytes.stages.map((s) => [s.outputBytes, s.tapeBytes, s.backwardPeak]));
    assert.equal(p.loss.peak, bytes.loss.peak);
  }
  for (let i = 0; i < chain.stages.length; i++) {
    assert.ok(median.stages[i]!.forwardTime >= 4, `median forward ${median.stages[i]!.forwardTime}`);
    assert.ok(min.stages[i]!.forwardTime >= 2 && min.stages[i]!.forwardTime < median.stages[i]!.forwardTime);
    assert.ok(min.stages[i]!.backwardTime >= 2 && min.stages[i]!.backwardTime < median.stages[i]!.backwardTime);
  }
});

test("measureProfile times the loss on the backend instead of keeping the cost model's guess", async () => {
  const p = await measureProfile(chain, new TimedMeta(), 4, { repeats: 3, warmup: 0, statistic: "min" });
  assert.ok(p.loss.time >= 2, `loss time ${p.loss.time} ms should include the backend's 2 ms flush`);
  assert.ok(staticProfile(chain, 4).loss.time < 1);
});

test("measureProfile rejects an unknown statistic and a repeat count below one, naming the value", async () => {
  await assert.rejects(measureProfile(chain, new MetaBackend(), 4, { statistic: "mean" as never }), /statistic must be "median" or "min"; got "mean"/);
  await assert.rejects(measureProfile(chain, new MetaBackend(), 4, { repeats: 0 }), /repeats must be a positive integer; got 0/);
});
