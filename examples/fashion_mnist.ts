/**
 * A small residual convolutional network (`resnet` of @remat/core) trained on Fashion-MNIST
 * under a checkpointing strategy (sqrt by default), then evaluated on the test split: prints
 * the test accuracy, the time taken, and the peak activation memory measured beside the plan's
 * prediction. Exits 0 when the test accuracy is clearly above chance (at least twice it).
 *
 * The files are found where Debian's `dataset-fashion-mnist` installs them
 * (/usr/share/datasets/fashion-mnist), or in `--data DIR`. Without them it says how to get
 * them and trains on the generated image set of @remat/datasets instead (1×28×28, 10
 * classes), evaluating on held-out batches of it (`--data generated` chooses that set).
 *
 *   deno run -A examples/fashion_mnist.ts                      # one epoch, sqrt, CPU
 *   deno run -A examples/fashion_mnist.ts --steps 200 --test 1000
 *   deno run -A examples/fashion_mnist.ts --strategy optimal --bytes 4MiB --epochs 2
 *   deno run -A examples/fashion_mnist.ts --backend webgpu --width 16 --depth 2
 *   deno task bench:fashion-mnist     # one epoch, results in benchmarks/results/fashion_mnist.json
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { Effect } from "effect";
import {
  adamw,
  type Dataset,
  evaluate,
  parameterCount,
  releaseParams,
  resnet,
  train,
  withBackend,
} from "@remat/core";
import {
  attachNegativeValues,
  formatBytes,
  intOption,
  numberOption,
  planFor,
  STRATEGY_OPTIONS,
  strategyChoice,
  UsageError,
  writeOutput,
} from "@remat/cli";
import { fashionMnistDirs, generatedImages, type ImageDataset, loadFashionMnist } from "@remat/datasets";
import { createBackend } from "@remat/webgpu";
import { ProgressBar } from "./progress.ts";

const HELP = `usage: deno run -A examples/fashion_mnist.ts [options]

Trains a small resnet on Fashion-MNIST under a checkpointing strategy and prints the test
accuracy, the time taken and the peak activation memory, measured and predicted.

  --data DIR          a directory holding Fashion-MNIST's four IDX files (raw or .gz); default
                      where Debian's dataset-fashion-mnist installs them, else generated images;
                      --data generated takes the generated images (held-out batches to test)
  --epochs N          passes over the 60000 training examples (default 1)
  --steps N           train N steps instead of whole epochs (a short run)
  --test N            test examples evaluated (default all 10000)
  --width N --depth N first group's width (default 8, doubled in each of 3 groups) and blocks
                      per group (default 1)
  --batch N           examples per step (default 32)
  --lr X              AdamW learning rate (default 3e-3)
  --seed N            initialisation seed (default 0)
  --backend NAME      cpu (default), webgpu, or auto
  --strategy NAME     storeAll, sqrt (default), uniform, revolve, budget, optimal, with
                      --every, --slots, --bytes or --fraction as remat plan takes them
  --json FILE         also write the results (accuracy, times, peaks, settings) as JSON`;

const OPTIONS = {
  ...STRATEGY_OPTIONS,
  data: { type: "string" },
  epochs: { type: "string" },
  steps: { type: "string" },
  test: { type: "string" },
  width: { type: "string" },
  depth: { type: "string" },
  batch: { type: "string" },
  lr: { type: "string" },
  seed: { type: "string" },
  backend: { type: "string" },
  json: { type: "string" },
  help: { type: "boolean" },
} as const;

/** Training and test data, and where they came from. */
interface Data {
  readonly train: ImageDataset;
  readonly test: Dataset;
  /** Examples in an epoch. */
  readonly examples: number;
  /** Test examples available. */
  readonly testExamples: number;
  /** The dataset step of the first test batch (held-out batches of the generated set). */
  readonly testFirstStep: number;
  readonly source: string;
}

/** Fashion-MNIST from `--data DIR` or Debian's place; the generated set when neither has the files. */
function loadData(dir: string | undefined, seed: number): Data {
  const found = dir === "generated"
    ? { dir: null, message: "" }
    : fashionMnistDirs(dir === undefined ? undefined : [dir]);
  if (found.dir === null) {
    if (dir !== undefined && dir !== "generated") throw new UsageError(`--data: ${found.message}`);
    if (dir === undefined) {
      console.error(`fashion_mnist: ${found.message}`);
      console.error("fashion_mnist: training on the generated image set of @remat/datasets instead");
    }
    const generated = generatedImages({ seed });
    return {
      train: generated,
      test: generated,
      examples: 60_000,
      testExamples: 10_000,
      testFirstStep: 1_000_000,
      source: dir === "generated" ? "generated (--data generated)" : "generated (no files)",
    };
  }
  const train = loadFashionMnist(found.dir, { split: "train" });
  const test = loadFashionMnist(found.dir, { split: "test" });
  return {
    train,
    test,
    examples: train.examples,
    testExamples: test.examples,
    testFirstStep: 0,
    source: found.dir,
  };
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: attachNegativeValues(argv, OPTIONS), options: OPTIONS, strict: true });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const choice = strategyChoice({ ...values, strategy: values.strategy ?? "sqrt" });
  const seed = intOption(values, "seed", 0, 0);
  const width = intOption(values, "width", 8, { max: 4096 });
  const depth = intOption(values, "depth", 1, { max: 1000 });
  const batch = intOption(values, "batch", 32, { max: 60_000 });
  const lr = numberOption(values, "lr", 3e-3, 0);
  if (values.steps !== undefined && values.epochs !== undefined) {
    throw new UsageError("--epochs does not apply with --steps: give one of them");
  }
  const data = loadData(values.data, seed);
  const epochs = intOption(values, "epochs", 1);
  const steps = intOption(values, "steps", epochs * Math.ceil(data.examples / batch));
  const testCount = intOption(values, "test", data.testExamples, { max: data.testExamples });

  const chain = resnet({
    inputs: data.train.inputShape,
    classes: data.train.classes,
    widths: [width, 2 * width, 4 * width],
    blocks: [depth, depth, depth],
  });
  const plan = planFor(chain, batch, choice);
  const predicted = plan.summary().predictedPeakBytes;
  const backend = await createBackend(String(values.backend ?? "cpu"));
  try {
    const seen = steps * batch;
    console.log(`data      ${data.train.name} from ${data.source}`);
    console.log(
      `model     ${chain.name}: ${chain.stages.length} stages, ${parameterCount(chain)} parameters`,
    );
    console.log(`backend   ${backend.device}`);
    console.log(
      `training  ${steps} steps of ${batch} (${(seen / data.examples).toFixed(2)} epochs), AdamW lr ${lr}`,
    );
    console.log(
      `plan      ${plan.strategy}: predicted peak ${
        formatBytes(predicted)
      } of activations, ${plan.summary().untapedForwards} recomputed forwards per step`,
    );
    const started = performance.now();
    const bar = new ProgressBar(steps, "train");
    const result = await Effect.runPromise(
      train(chain, data.train, {
        steps,
        batch,
        seed,
        plan,
        optimizer: adamw({ lr, weightDecay: 0 }),
        onStep: (r) => bar.update(r.step + 1, `loss ${r.loss.toFixed(4)}  ${r.ms.toFixed(0)} ms/step`),
      }).pipe(Effect.provide(withBackend(backend))),
    );
    bar.done();
    const trained = performance.now();
    const h = result.history;
    const window = Math.max(1, Math.min(50, Math.floor(h.length / 4)));
    const mean = (rs: ReadonlyArray<{ loss: number }>) => rs.reduce((a, r) => a + r.loss, 0) / rs.length;
    const measured = Math.max(...h.map((r) => r.peakBytes));

    // Evaluation mode (dropout off, no tapes), in chunks so that progress shows.
    const evalBatch = Math.min(100, testCount);
    const batches = Math.floor(testCount / evalBatch);
    const evalBar = new ProgressBar(batches, "test ");
    let lossSum = 0, correct = 0, examples = 0;
    try {
      for (let k = 0; k < batches; k += 10) {
        const n = Math.min(10, batches - k);
        const e = await evaluate(data.test, {
          backend,
          chain,
          params: result.params,
          batch: evalBatch,
          batches: n,
          firstStep: data.testFirstStep + k,
        });
        lossSum += e.loss * n;
        correct += (e.accuracy ?? 0) * e.examples;
        examples += e.examples;
        evalBar.update(k + n, `accuracy ${(100 * correct / examples).toFixed(1)}%`);
      }
    } finally {
      evalBar.done();
      releaseParams(result.params);
    }
    const evaluated = performance.now();
    const accuracy = correct / examples;
    const chance = 1 / data.train.classes;
    console.log(
      `loss      ${mean(h.slice(0, window)).toFixed(4)} → ${
        mean(h.slice(-window)).toFixed(4)
      } (mean of the first and last ${window} steps)`,
    );
    console.log(
      `test accuracy ${(100 * accuracy).toFixed(2)}% on ${examples} test examples (loss ${
        (lossSum / batches).toFixed(4)
      }; chance ${(100 * chance).toFixed(0)}%)`,
    );
    const ms = h.map((r) => r.ms).sort((a, b) => a - b)[Math.floor(h.length / 2)]!;
    console.log(
      `time      ${((trained - started) / 1000).toFixed(1)} s training (${ms.toFixed(0)} ms/step median), ${
        ((evaluated - trained) / 1000).toFixed(1)
      } s evaluating`,
    );
    console.log(
      `peak activations measured ${measured} B, predicted ${predicted} B${
        measured === predicted ? " (equal)" : " (DIFFERENT)"
      }`,
    );
    if (values.json !== undefined) {
      writeOutput(
        values.json,
        JSON.stringify(
          {
            data: data.source,
            model: chain.name,
            parameters: parameterCount(chain),
            backend: backend.device,
            strategy: plan.strategy,
            steps,
            batch,
            epochs: seen / data.examples,
            lr,
            seed,
            testExamples: examples,
            testAccuracy: accuracy,
            testLoss: lossSum / batches,
            lossFirst: mean(h.slice(0, window)),
            lossLast: mean(h.slice(-window)),
            trainSeconds: (trained - started) / 1000,
            evalSeconds: (evaluated - trained) / 1000,
            medianStepMs: ms,
            measuredPeakBytes: measured,
            predictedPeakBytes: predicted,
          },
          null,
          2,
        ),
      );
      console.log(`wrote ${values.json}`);
    }
    return accuracy >= 2 * chance ? 0 : 1;
  } finally {
    backend.dispose();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  const code = (e as { code?: unknown }).code;
  if (e instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) {
    console.error(`fashion_mnist: ${(e as Error).message}`);
    process.exitCode = 2;
  } else {
    throw e;
  }
}
