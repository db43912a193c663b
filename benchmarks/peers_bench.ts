/**
 * remat beside its peers on the same model and machine, interleaved in one run: the reference
 * MLP, GPT or ResNet of `bench:strategies` (its presets, batch sizes and data; forward +
 * backward, no optimizer) under store-all and under √n checkpointing, on remat's CPU backend
 * (its default WebAssembly gemm, and OpenBLAS through FFI where a system OpenBLAS loads) and on
 * PyTorch's CPU build with one thread and with all cores (PyTorch from
 * `benchmarks/peers/setup.sh`, which installs it into .peers/; without it the bench says so and
 * times remat alone). PyTorch builds the same model from remat's config
 * (benchmarks/peers/torch_<model>.py) and is given remat's batch; the bench prints both sides'
 * parameter counts and stops if they differ. With `--model mlp`, also jax-js (npm
 * `@jax-js/jax`, from `benchmarks/peers/setup_jaxjs.sh` into .peers/jaxjs/; without it the bench
 * says so): the same MLP built by benchmarks/peers/jaxjs_peer.ts, `jit(valueAndGrad(loss))` on
 * its Wasm device, store-all only (it has no checkpoint transform), on 1 thread (its
 * synchronous dispatch) and on its worker pool (`navigator.hardwareConcurrency` workers); its
 * parameter count is checked too. Rounds alternate the systems so that drift of a
 * shared machine falls on all of them; each figure is the median over all rounds' steps.
 * Prints a table and the ratios per model, and writes benchmarks/results/peers.json (the
 * MLP's result at the top level, the others under `models.gpt` and `models.resnet`).
 *
 *   npx deno run -A benchmarks/peers_bench.ts [--model mlp|gpt|resnet|all] [--rounds 5] [--steps 3]
 * @module
 */
import os from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import { type Plan, staticProfile } from "@remat/core";
import { intOption, writeOutput } from "@remat/cli";
import { sqrt, storeAll } from "@remat/strategies";
import { PEER_MODELS, type PeerModel, peerModel } from "./peers/models.ts";
import { type Gemm, rematGemms, rematName, type RematPeer, rematPeer } from "./peers/remat_peer.ts";
import { report, type Row } from "./peers/report.ts";
import { mergedResults } from "./peers/results_file.ts";
import { startJaxjs } from "./peers/jaxjs_peer.ts";
import { startTorch } from "./peers/torch_peer.ts";

const { values } = parseArgs({
  options: {
    model: { type: "string", default: "mlp" },
    rounds: { type: "string" },
    steps: { type: "string" },
    out: { type: "string" },
  },
});
const keys = values.model === "all" ? PEER_MODELS : [values.model!];
if (keys.some((k) => !PEER_MODELS.includes(k))) {
  console.error(`bench:peers: --model: got "${values.model}"; expected ${PEER_MODELS.join(", ")} or all`);
  process.exit(2);
}
const rounds = intOption(values, "rounds", 5, { max: 100 });
const steps = intOption(values, "steps", 3, { max: 100 });
const out = values.out ?? "benchmarks/results/peers.json";
const cores = os.availableParallelism?.() ?? os.cpus().length;
const gemms = rematGemms();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const counted = (c: { params: number; state: number }) =>
  `${c.params.toLocaleString("en")}${c.state ? ` + ${c.state.toLocaleString("en")} state` : ""}`;

/** Times `model` on every system, interleaved round by round; prints its table; returns its result. */
async function bench(model: PeerModel): Promise<object> {
  const profile = staticProfile(model.chain, model.batch);
  const plans: Record<string, Plan> = { storeAll: storeAll(profile), sqrt: sqrt(profile) };
  const torch = await startTorch(model);
  const started = await startJaxjs(model);
  const jaxjs = "skipped" in started ? null : started;
  const jaxjsSkipped = "skipped" in started ? started.skipped : null;
  const pytorchCounts = torch ? `, pytorch ${counted(torch.info)}` : "";
  const jaxjsCounts = jaxjs ? `, jax-js ${counted(jaxjs.info)}` : "";
  console.log(`\n${model.title}: parameters remat ${counted(model.counts)}${pytorchCounts}${jaxjsCounts}`);
  if (!jaxjs) console.log(`jax-js is not timed: ${jaxjsSkipped}`);
  else if (jaxjs.info.params !== model.counts.params || jaxjs.info.state !== model.counts.state) {
    torch?.stop();
    throw new Error(
      `${model.title}: jax-js's model (benchmarks/peers/jaxjs_peer.ts) has ${
        counted(jaxjs.info)
      } parameters, remat's ${counted(model.counts)}: not the same architecture`,
    );
  }
  if (!torch) {
    console.log("PyTorch is not installed (bash benchmarks/peers/setup.sh installs it): timing remat alone");
  } else {
    const { params, state } = torch.info;
    if (params !== model.counts.params || state !== model.counts.state) {
      torch.stop();
      throw new Error(
        `${model.title}: PyTorch's model (benchmarks/peers/torch_${model.key}.py) has ${
          counted({ params, state })
        } parameters, remat's ${counted(model.counts)}: not the same architecture`,
      );
    }
  }
  const remats = new Map<string, RematPeer>();
  for (const g of gemms) for (const t of [1, cores]) remats.set(`${g}/${t}`, rematPeer(model, t, g));
  const systems = [
    ...gemms.flatMap((gemm: Gemm) =>
      [1, cores].flatMap((threads) =>
        ["storeAll", "sqrt"].map((mode) => ({
          system: rematName(gemm),
          threads,
          mode,
          run: () => Promise.resolve(remats.get(`${gemm}/${threads}`)!.run(plans[mode]!, steps)),
        }))
      )
    ),
    ...(torch
      ? [1, cores].flatMap((threads) =>
        ["storeAll", "sqrt"].map((mode) => ({
          system: "pytorch",
          threads,
          mode,
          run: () => torch.run(mode, threads, steps),
        }))
      )
      : []),
    ...(jaxjs
      ? jaxjs.info.threads.map((threads) => ({
        system: "jax-js",
        threads,
        mode: "storeAll",
        run: () => jaxjs.run(threads, steps),
      }))
      : []),
  ];
  const times = new Map<(typeof systems)[number], number[]>(systems.map((s) => [s, []]));
  for (const s of systems) await s.run(); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const s of systems) times.get(s)!.push(...await s.run());
    console.log(`${model.key}: round ${r + 1}/${rounds}`);
  }
  torch?.stop();
  jaxjs?.release();
  for (const peer of remats.values()) peer.release();
  const rows: Row[] = systems.map((s) => ({
    system: s.system,
    threads: s.threads,
    mode: s.mode,
    ms: median(times.get(s)!),
  }));
  const ratios = report(model, rows, {
    rounds,
    steps,
    torch: torch ? torch.info.torch : null,
    jaxjs: jaxjs ? jaxjs.info.version : null,
  });
  if (jaxjs) {
    const pool = jaxjs.info.threads.slice(1);
    console.log(
      `jax-js: 1 thread = its synchronous dispatch on the calling thread${
        pool.length ? `, ${pool[0]} = its Wasm worker pool of navigator.hardwareConcurrency workers` : ""
      }; store-all only (it has no checkpoint transform)`,
    );
  }
  return {
    model: model.chain.name,
    batch: model.batch,
    machine: { cpu: os.cpus()[0]?.model, cores },
    rounds,
    steps,
    pytorch: torch?.info ?? null,
    jaxjs: jaxjs ? { ...jaxjs.info, jit: true, modes: ["storeAll"] } : { skipped: jaxjsSkipped },
    parameters: {
      remat: model.counts,
      pytorch: torch ? { params: torch.info.params, state: torch.info.state } : null,
      jaxjs: jaxjs ? { params: jaxjs.info.params, state: jaxjs.info.state } : null,
    },
    rows,
    ratios,
  };
}

const results: Record<string, object> = {};
for (const key of keys) results[key] = await bench(peerModel(key));
writeOutput(out, JSON.stringify(mergedResults(out, results), null, 2));
console.log(`wrote ${out}`);
process.exit(0);
