/**
 * End to end over a real socket: the service on 127.0.0.1 (ephemeral port), a short job
 * submitted with `fetch`, its SSE stream read to the final event, the weights downloaded and
 * loaded back into the model, where they give the same loss, bit for bit, as the same
 * training run done in-process.
 * @module
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  executePlan,
  initParams,
  readParams,
  releaseParams,
  storeAllPlan,
  train,
  uploadBatch,
  withBackend,
} from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { Effect } from "effect";
import { ServiceClient } from "./client.ts";
import { buildChain, buildDataset, buildOptimizer, buildPlan } from "./job_build.ts";
import type { JobRequest } from "./job_types.ts";
import { chainHostParams, decodeSafetensors } from "./safetensors.ts";
import { listen, tempService, tinyJob } from "./test_support.ts";

/** The loss of `host` parameters on one batch, on the CPU backend. */
async function lossWith(request: JobRequest, host: Float32Array[][]): Promise<number> {
  const backend = new CpuBackend();
  const chain = buildChain(request);
  const params = chain.stages.map((st, i) =>
    st.params.map((p, j) => backend.upload(host[i]![j]!, p.shape, "f32", "parameter"))
  );
  const batch = uploadBatch(buildDataset(request, chain), {
    backend,
    chain,
    step: 1000,
    size: request.batch,
  });
  const out = executePlan(storeAllPlan(chain.stages.length), {
    backend,
    chain,
    params,
    batch,
    key: { seed: request.seed, step: 1000 },
  });
  const loss = (await backend.read(out.loss))[0]!;
  return loss;
}

test("a job over HTTP: SSE to the final event, weights that load back and give the in-process run's loss", async () => {
  const s = await tempService();
  const server = await listen(s.app.fetch);
  try {
    const client = new ServiceClient(server.url);
    const job = await client.submit(tinyJob({ steps: 12, strategy: { name: "sqrt" } }));
    const seen: string[] = [];
    let final;
    for await (const e of client.events(job.id)) {
      seen.push(e.event);
      if (e.event === "final") final = e.data;
    }
    assert.equal(seen[0], "state");
    assert.equal(seen.at(-1), "final");
    assert.equal(final!.state, "succeeded", JSON.stringify(final!.error));
    const { tensors, metadata } = decodeSafetensors(await client.weights(job.id));
    const request = final!.request;
    const chain = buildChain(request);
    assert.equal(metadata.model, chain.name);
    const served = chainHostParams(chain, tensors);

    // the same run in-process
    const backend = new CpuBackend();
    const local = await Effect.runPromise(
      train(chain, buildDataset(request, chain), {
        steps: request.steps,
        batch: request.batch,
        seed: request.seed,
        optimizer: buildOptimizer(request.optimizer),
        plan: buildPlan(request, chain),
      }).pipe(Effect.provide(withBackend(backend))),
    );
    const mine = await readParams(backend, local.params);
    releaseParams(local.params);
    assert.equal(
      await lossWith(request, served),
      await lossWith(request, mine),
      "same loss from the served weights",
    );
    assert.equal(local.history.at(-1)!.loss, final!.lastLoss, "the job's last loss is the in-process run's");
    const initial = initParams(chain, backend, request.seed);
    const init = await readParams(backend, initial);
    releaseParams(initial);
    assert.notEqual(
      await lossWith(request, served),
      await lossWith(request, init),
      "training changed the weights",
    );
  } finally {
    await server.close();
    await s.done();
  }
});
