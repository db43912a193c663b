import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { resnet, staticProfile } from "@remat/core";
import { fashionMnistDirs } from "@remat/datasets";
import { sqrt } from "@remat/strategies";
import { UsageError } from "./args.ts";
import { buildModel, MODEL_KINDS, PRESETS, RESNET_FLAGS } from "./model_options.ts";
import { type CliRun, run } from "./testdata/run_cli.ts";

/** Asserts a usage mistake: exit status 2 and one line on stderr matching `message`. */
function usage(r: CliRun, message: RegExp, what = ""): void {
  assert.equal(r.status, 2, `${what}: status ${r.status}, stderr ${r.err}`);
  assert.equal(r.err.split("\n").length, 1, `${what}: one line, got ${r.err}`);
  assert.match(r.err, message, what);
}

/** Asserts `f` throws a UsageError whose message matches `message`. */
function throwsUsage(f: () => unknown, message: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.match(e.message, message);
    return true;
  });
}

const FASHION = fashionMnistDirs().dir;

test("buildModel --model resnet: 3 groups of --depth blocks, --width doubling, batch 64, 1×28×28 images of 10 classes", () => {
  assert.ok(MODEL_KINDS.includes("resnet"));
  const small = buildModel({ model: "resnet" });
  assert.equal(small.chain.name, "resnet(inputs=1x28x28, widths=8/16/32, blocks=1/1/1, classes=10)");
  assert.equal(small.chain.stages.length, 5);
  assert.equal(small.batch, 64);
  assert.equal(small.seed, 0);
  // Fashion-MNIST where Debian's package put it, else the generated set.
  assert.equal(
    small.data.name,
    FASHION === null ? "generatedImages(classes=10, size=28)" : "fashion-mnist(train)",
  );
  const sized = buildModel({ model: "resnet", depth: "3", width: "4", batch: "8", seed: "5" });
  assert.equal(sized.chain.name, "resnet(inputs=1x28x28, widths=4/8/16, blocks=3/3/3, classes=10)");
  assert.equal(sized.chain.stages.length, 1 + 9 + 1);
  assert.equal(sized.batch, 8);
  assert.equal(sized.seed, 5);
  const { x, y } = sized.data.batch(0, 2);
  assert.equal(x.length, 2 * 28 * 28);
  assert.ok(y instanceof Int32Array && y.every((c) => c >= 0 && c < 10));
});

test("the reference-resnet preset: widths 8/16/32, 3 blocks per group, batch 16; options override it", () => {
  assert.equal(PRESETS["reference-resnet"]!.model, "resnet");
  const ref = buildModel({ preset: "reference-resnet" });
  assert.equal(
    ref.chain.name,
    resnet({ inputs: [1, 28, 28], classes: 10, widths: [8, 16, 32], blocks: [3, 3, 3] }).name,
  );
  assert.equal(ref.chain.stages.length, 11);
  assert.equal(ref.batch, 16);
  assert.equal(
    buildModel({ preset: "reference-resnet", model: "resnet", depth: "1" }).chain.stages.length,
    5,
  );
  throwsUsage(
    () => buildModel({ preset: "reference-resnet", model: "mlp" }),
    /--model mlp does not apply with --preset reference-resnet, which is a resnet; drop one/,
  );
  throwsUsage(
    () => buildModel({ preset: "reference-mlp", model: "resnet" }),
    /--model resnet does not apply with --preset reference-mlp, which is an mlp/,
  );
});

test("--data with a resnet: generated, fashion-mnist, a directory; anything else is a usage mistake", () => {
  assert.deepEqual([...RESNET_FLAGS].sort(), ["data", "depth", "width"]);
  const generated = buildModel({ model: "resnet", data: "generated", seed: "3" });
  assert.equal(generated.data.name, "generatedImages(classes=10, size=28)");
  if (FASHION === null) {
    throwsUsage(
      () => buildModel({ model: "resnet", data: "fashion-mnist" }),
      /--data: Fashion-MNIST not found \(looked in .*\): install Debian's dataset-fashion-mnist/,
    );
  } else {
    assert.equal(buildModel({ model: "resnet", data: "fashion-mnist" }).data.name, "fashion-mnist(train)");
    assert.equal(buildModel({ model: "resnet", data: FASHION }).data.name, "fashion-mnist(train)");
  }
  throwsUsage(
    () => buildModel({ model: "resnet", data: "spirals" }),
    /--data: got "spirals"; expected fashion-mnist, generated or a directory holding the Fashion-MNIST files/,
  );
  const empty = mkdtempSync(path.join(tmpdir(), "remat-resnet-"));
  try {
    throwsUsage(
      () => buildModel({ model: "resnet", data: empty }),
      /--data: invalid Fashion-MNIST directory \(train split\): .*train-images-idx3-ubyte\[\.gz\] and train-labels-idx1-ubyte\[\.gz\], which are missing/,
    );
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
  throwsUsage(
    () => buildModel({ model: "mlp", data: "generated" }),
    /--data: got "generated"; expected spirals or teacher for an mlp .*fashion-mnist and generated are for --model resnet/,
  );
});

test("options of another model kind are refused with a resnet, and resnet's own with a gpt, naming the kinds", async () => {
  usage(
    await run("plan", "--model", "resnet", "--hidden", "32"),
    /--hidden does not apply: it is an mlp option and the model is a resnet/,
  );
  usage(
    await run("plan", "--model", "resnet", "--classes", "4"),
    /--classes does not apply: it is an mlp option and the model is a resnet/,
  );
  usage(
    await run("train", "--model", "resnet", "--layers", "2"),
    /--layers does not apply: it is a gpt option and the model is a resnet/,
  );
  usage(
    await run("plan", "--preset", "reference-resnet", "--heads", "2"),
    /--heads does not apply: it is a gpt option and the model is a resnet \(--preset reference-resnet\)/,
  );
  usage(
    await run("plan", "--model", "gpt", "--width", "8"),
    /--width does not apply: it is an mlp or resnet option and the model is a gpt/,
  );
  usage(await run("plan", "--model", "resnet", "--depth", "0"), /--depth: got "0"; expected an integer ≥ 1/);
  usage(await run("plan", "--model", "resnet", "--width", "65537"), /--width: got "65537"; .* ≤ 65536/);
  usage(
    await run("plan", "--model", "resnet", "--width", "65536"),
    /resnet\(.*widths=65536\/131072\/262144.*\) at batch 64 needs at least .*: use smaller sizes/,
  );
  usage(
    await run("plan", "--model", "vgg"),
    /--model: got "vgg"; expected mlp, gpt, resnet or a module path/,
  );
  usage(await run("train", "--model", "vgg"), /--model: got "vgg"; expected mlp, gpt or resnet/);
});

test("remat plan --model resnet --strategy sqrt plans the resnet the options describe", async () => {
  const r = await run(
    "plan",
    "--model",
    "resnet",
    "--width",
    "4",
    "--batch",
    "8",
    "--strategy",
    "sqrt",
    "--json",
  );
  assert.equal(r.status, 0, r.err);
  const got = JSON.parse(r.out);
  const chain = resnet({ inputs: [1, 28, 28], classes: 10, widths: [4, 8, 16], blocks: [1, 1, 1] });
  const want = sqrt(staticProfile(chain, 8)).summary();
  assert.equal(got.predictedPeakBytes, want.predictedPeakBytes);
  assert.deepEqual(got.forwardsPerStage, want.forwardsPerStage);
  const text = await run("plan", "--model", "resnet", "--strategy", "sqrt");
  assert.equal(text.status, 0, text.err);
  assert.match(
    text.out,
    /model {6}resnet\(inputs=1x28x28, widths=8\/16\/32, blocks=1\/1\/1, classes=10\), batch 64, 5 stages/,
  );
  assert.match(text.out, /block1\.0 +residual-conv-down/);
});

test("remat train --model resnet --strategy sqrt --steps 3 --batch 8 trains and measures the predicted peak", async () => {
  const r = await run(
    "train",
    "--model",
    "resnet",
    "--width",
    "4",
    "--strategy",
    "sqrt",
    "--steps",
    "3",
    "--batch",
    "8",
  );
  // Three steps may not lower the loss by the main job's margin: then it says so and exits 1.
  assert.ok(
    r.status === 0 || (r.status === 1 && /the loss did not fall clearly/.test(r.err)),
    `status ${r.status}: ${r.err}`,
  );
  assert.match(
    r.out,
    /model {3}resnet\(inputs=1x28x28, widths=4\/8\/16, blocks=1\/1\/1, classes=10\), 5 stages/,
  );
  assert.match(r.out, /data {4}\S+, batch 8, 3 steps/);
  assert.match(r.out, /loss {4}\d\.\d+ → \d\.\d+/);
  const predicted = r.out.match(/plan {4}sqrt\([^)]*\): predicted peak (.+?),/)?.[1];
  const measured = r.out.match(/memory {2}peak activations (.+?),/)?.[1];
  assert.ok(predicted !== undefined && measured !== undefined, r.out);
  assert.equal(measured, predicted);
});
