/**
 * A client of the training service: starts a job, follows its events with a progress bar,
 * and downloads the trained weights. Start the service first (`deno task serve`), then:
 *
 *   deno task client [--url http://127.0.0.1:8787] [--model mlp|gpt] [--steps 200]
 *                    [--strategy sqrt] [--out weights.safetensors]
 *
 * `REMAT_TOKEN` is sent as the bearer token when set.
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import { ServiceClient, ServiceError } from "@remat/server";
import { formatBytes } from "@remat/cli";
import { ProgressBar } from "./progress.ts";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:8787" },
    model: { type: "string", default: "mlp" },
    steps: { type: "string", default: "200" },
    strategy: { type: "string", default: "sqrt" },
    out: { type: "string", default: "weights.safetensors" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "usage: deno task client [--url URL] [--model mlp|gpt] [--steps N] [--strategy NAME] [--out FILE]",
  );
  process.exit(0);
}

const client = new ServiceClient(values.url!, process.env.REMAT_TOKEN);
try {
  const job = await client.submit({
    model: { kind: values.model },
    steps: Number(values.steps),
    strategy: { name: values.strategy },
  });
  console.log(
    `job ${job.id} ${job.state}: ${values.model}, ${job.request.steps} steps, ${job.request.strategy.name}`,
  );
  const bar = new ProgressBar(job.request.steps, "train");
  let final;
  for await (const e of client.events(job.id)) {
    if (e.event === "state") bar.update(e.data.stepsDone, e.data.state);
    else if (e.event === "step") {
      const m = e.data;
      bar.update(
        m.step + 1,
        `loss ${m.loss.toFixed(4)}  ${m.ms.toFixed(1)} ms/step  peak ${formatBytes(m.peakBytes)}`,
      );
    } else final = e.data;
  }
  bar.done();
  if (final?.state !== "succeeded") {
    console.error(`job ${job.id} ended ${final?.state}: ${final?.error?.message ?? "no error recorded"}`);
    process.exit(1);
  }
  const bytes = await client.weights(job.id);
  writeFileSync(values.out!, bytes);
  console.log(
    `job ${job.id} succeeded: last loss ${final.lastLoss?.toFixed(4)}, peak ${
      formatBytes(final.peakBytes ?? 0)
    }`,
  );
  console.log(`weights ${values.out} (${formatBytes(bytes.length)}, safetensors)`);
} catch (e) {
  if (e instanceof ServiceError || (e instanceof TypeError && /fetch|connect/i.test(e.message))) {
    console.error(
      `client: ${e.message}${
        e instanceof TypeError ? ` (is the service running at ${values.url}? deno task serve)` : ""
      }`,
    );
    process.exit(1);
  }
  throw e;
}
