import assert from "node:assert/strict";
import { test } from "node:test";
import { MetaBackend } from "./meta_backend.ts";
import { mlp } from "./models/mlp.ts";
import { measureProfile, staticProfile } from "./profile.ts";

/** A meta backend whose flush busy-waits: 30, 2 and 10 ms for the three repeats' forward and backward. */
class TimedMeta extends MetaBackend {
  calls = 0;
  override flush(): Promise<void> {
    const delay = [30, 30, 2, 2, 10, 10][this.calls++ % 6]!;
    const until = performance.now() + delay;
    while (performance.now() < until) { /* busy */ }
    return Promise.resolve();
  }
}

const chain = mlp({ depth: 2, width: 8, hidden: 16, classes: 3, inputs: 4 });

test("measureProfile keeps the static bytes and takes the median of the repeats", async () => {
  const p = await measureProfile(chain, new TimedMeta(), 4, { repeats: 3, warmup: 0 });
  const bytes = staticProfile(chain, 4);
  assert.equal(p.source, "measured:meta");
  assert.deepEqual(
    p.stages.map((s) => [s.outputBytes, s.tapeBytes, s.backwardPeak]),
    bytes.stages.map((s) => [s.outputBytes, s.tapeBytes, s.backwardPeak]),
  );
  assert.equal(p.loss.peak, bytes.loss.peak);
  for (const s of p.stages) {
    // repeats took 30, 2 and 10 ms (plus the meta kernels and any stall): the median is the 10 ms one
    assert.ok(s.forwardTime >= 10 && s.forwardTime < 30, `forward ${s.forwardTime}`);
    assert.ok(s.backwardTime >= 10 && s.backwardTime < 30, `backward ${s.backwardTime}`);
  }
});

test("measureProfile times the loss on the backend instead of keeping the cost model's guess", async () => {
  const p = await measureProfile(chain, new TimedMeta(), 4, { repeats: 3, warmup: 0 });
  assert.ok(p.loss.time >= 2, `loss time ${p.loss.time} ms should include the backend's 2 ms flush`);
  assert.ok(staticProfile(chain, 4).loss.time < 1);
});

test("measureProfile rejects a repeat count below one, naming the value", async () => {
  await assert.rejects(
    measureProfile(chain, new MetaBackend(), 4, { repeats: 0 }),
    /repeats must be a positive integer; got 0/,
  );
});
