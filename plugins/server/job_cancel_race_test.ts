/**
 * D4 and D5: a cancel that arrives after a job's weights did (while they are being saved) does
 * not cancel a finished job: it waits for the save, answers 409 JobFinished saying the weights
 * are kept, and leaves no checkpoint or half-written file behind.
 * @module
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { JobStore } from "./job_store.ts";
import { jsonRequest, tempService, tinyJob } from "./test_support.ts";

test("a cancel racing completion is a 409 and the weights are kept; no file is orphaned", async () => {
  const s = await tempService({ runner: { checkpointEvery: 2 } });
  try {
    const store = s.runner.store as JobStore; // the embedded service's store
    const save = store.saveWeights.bind(store);
    let saving = false;
    store.saveWeights = async (id, bytes) => {
      saving = true;
      await new Promise((r) => setTimeout(r, 300)); // a slow disk: the cancel lands meanwhile
      return await save(id, bytes);
    };
    const res = await s.app.request("/v1/jobs", jsonRequest("POST", tinyJob({ steps: 6 })));
    assert.equal(res.status, 202);
    const { id } = await res.json() as { id: string };
    for (let i = 0; i < 2000 && !saving; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(saving, "the job reached its save");
    const cancel = await s.app.request(`/v1/jobs/${id}`, { method: "DELETE" });
    assert.equal(cancel.status, 409);
    const body = await cancel.json() as {
      error: { tag: string; message: string; state: string; hasWeights: boolean };
    };
    assert.equal(body.error.tag, "JobFinished");
    assert.equal(body.error.state, "succeeded");
    assert.equal(body.error.hasWeights, true);
    assert.match(body.error.message, /its weights are kept/);
    assert.equal((await s.app.request(`/v1/jobs/${id}/weights`)).status, 200);
    const files = (await readdir(path.join(s.dataDir, "jobs"))).filter((f) => f.startsWith(id));
    assert.deepEqual(files.sort(), [`${id}.json`, `${id}.metrics.ndjson`, `${id}.safetensors`]);
    const again = await s.app.request(`/v1/jobs/${id}`, { method: "DELETE" });
    assert.equal(again.status, 409, "a finished job cannot be cancelled");
  } finally {
    await s.done();
  }
});
