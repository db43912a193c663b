/**
 * remat beside its peers on the same model and machine, interleaved in one run: the reference
 * MLP (32 residual blocks 256→1024→256, batch 64, 10 classes; forward + backward, no
 * optimizer) under store-all and under √n checkpointing, on remat's CPU backend (its default
 * WebAssembly gemm, and OpenBLAS through FFI where a system OpenBLAS loads) and on
 * PyTorch's CPU build with one thread and with all cores (PyTorch from
 * `benchmarks/peers/setup.sh`, which installs it into .peers/; without it the bench says so and
 * times remat alone). Rounds alternate the systems so that drift of a shared machine falls on
 * all of them; each figure is the median over all rounds' steps. Prints the table and the
 * ratios, and writes benchmarks/results/peers.json.
 *
 *   npx deno run -A benchmarks/peers_bench.ts [--rounds 5] [--steps 3]
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import {
  executePlan,
  initParams,
  mlp,
  type Plan,
  releaseParams,
  staticProfile,
  uploadBatch,
} from "@remat/core";
import { CpuBackend } from "@remat/cpu";
import { loadOpenBlas } from "../backends/cpu/gemm/native_blas.ts";
import { teacher } from "@remat/datasets";
import { intOption, writeOutput } from "@remat/cli";
import { sqrt, storeAll } from "@remat/strategies";

const { values } = parseArgs({
  options: { rounds: { type: "string" }, steps: { type: "string" }, out: { type: "string" } },
});
const rounds = intOption(values, "rounds", 5, { max: 100 });
const steps = intOption(values, "steps", 3, { max: 100 });
const out = values.out ?? "benchmarks/results/peers.json";
const cores = os.availableParallelism?.() ?? os.cpus().length;

const chain = mlp({ depth: 32, width: 256, hidden: 1024, classes: 10, inputs: 256 });
const batch = 64;
const profile = staticProfile(chain, batch);
const plans: Record<string, Plan> = { storeAll: storeAll(profile), sqrt: sqrt(profile) };
/** A CPU backend with `threads` threads and its gemm, its parameters and a batch. */
function rematOn(threads: number, gemm: "wasm" | "openblas") {
  const backend = new CpuBackend({ threads, gemm });
  const params = initParams(chain, backend, 0);
  const host = uploadBatch(teacher({ inputs: 256, classes: 10, seed: 0 }), { backend, chain, size: batch });
  return { backend, params, host };
}
/** remat's variants: the default WebAssembly gemm, and OpenBLAS through FFI where it loads. */
const gemms: Array<"wasm" | "openblas"> = ["wasm"];
try {
  loadOpenBlas();
  gemms.push("openblas");
} catch (e) {
  console.log(`remat with OpenBLAS is not timed: ${(e as Error).message}`);
}
const remats = new Map(gemms.flatMap((g) => [1, cores].map((t) => [`${g}/${t}`, rematOn(t, g)])));
const rematName = (g: string) => g === "wasm" ? "remat" : "remat (OpenBLAS)";

/** remat: `steps` forward + backward steps of `plan` on `threads` threads with `gemm`, in ms. */
function rematSteps(plan: Plan, threads: number, gemm: string): number[] {
  const { backend, params, host } = remats.get(`${gemm}/${threads}`)!;
  const ms: number[] = [];
  for (let s = 0; s < steps; s++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    const r = executePlan(plan, { backend, chain, params, batch: host, key: { seed: 0, step: s } });
    ms.push(performance.now() - t0);
    r.loss.release();
    for (const row of r.grads) for (const g of row) g.release();
  }
  return ms;
}

/** PyTorch, as a subprocess taking one command per line (benchmarks/peers/torch_mlp.py). */
async function startTorch(): Promise<
  | { info: Record<string, unknown>; run(mode: string, threads: number): Promise<number[]>; stop(): void }
  | null
> {
  const python = path.resolve(".peers/venv/bin/python");
  if (!existsSync(python)) return null;
  const child = spawn(python, [path.resolve("benchmarks/peers/torch_mlp.py")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value as string);
  const info = await next();
  return {
    info,
    async run(mode, threads) {
      child.stdin!.write(`${JSON.stringify({ mode, threads, steps })}\n`);
      return (await next()).ms as number[];
    },
    stop: () => child.kill(),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const torch = await startTorch();
if (!torch) {
  console.log("PyTorch is not installed (bash benchmarks/peers/setup.sh installs it): timing remat alone");
}
const systems: Array<{ name: string; threads: number; mode: string; run: () => Promise<number[]> }> = [
  ...gemms.flatMap((gemm) =>
    [1, cores].flatMap((threads) =>
      ["storeAll", "sqrt"].map((mode) => ({
        name: rematName(gemm),
        threads,
        mode,
        run: () => Promise.resolve(rematSteps(plans[mode]!, threads, gemm)),
      }))
    )
  ),
  ...(torch
    ? [1, cores].flatMap((threads) =>
      ["storeAll", "sqrt"].map((mode) => ({
        name: "pytorch",
        threads,
        mode,
        run: () => torch.run(mode, threads),
      }))
    )
    : []),
];
const times = new Map<(typeof systems)[number], number[]>(systems.map((s) => [s, []]));
for (const s of systems) await s.run(); // warm-up
for (let r = 0; r < rounds; r++) {
  for (const s of systems) times.get(s)!.push(...await s.run());
  console.log(`round ${r + 1}/${rounds}`);
}
torch?.stop();
for (const { params, host } of remats.values()) {
  releaseParams(params);
  host.x.release();
  host.y.release();
}

const rows = systems.map((s) => ({
  system: s.name,
  threads: s.threads,
  mode: s.mode,
  ms: median(times.get(s)!),
}));
const find = (system: string, threads: number, mode: string) =>
  rows.find((r) => r.system === system && r.threads === threads && r.mode === mode)?.ms;
console.log(`\nreference MLP, batch 64, forward + backward; ${os.cpus()[0]?.model ?? "CPU"}, ${cores} cores`);
console.log(`median of ${rounds} rounds × ${steps} steps, systems alternating\n`);
console.log("| system | threads | store-all | √n checkpointing | √n overhead |");
console.log("|---|---|---|---|---|");
const lines: Array<[string, number]> = [
  ...gemms.flatMap((g) => [[rematName(g), 1], [rematName(g), cores]] as Array<[string, number]>),
  ...(torch ? [["pytorch", 1], ["pytorch", cores]] as Array<[string, number]> : []),
];
for (const [system, threads] of lines) {
  const a = find(system, threads, "storeAll")!, b = find(system, threads, "sqrt")!;
  console.log(
    `| ${system}${system === "pytorch" ? ` ${torch!.info.torch}` : ""} | ${threads} | ${
      (a / 1000).toFixed(3)
    } s | ${(b / 1000).toFixed(3)} s | ×${(b / a).toFixed(3)} |`,
  );
}
const ratios: Record<string, number> = {};
if (torch) {
  for (const gemm of gemms) {
    for (const threads of [1, cores]) {
      ratios[`${rematName(gemm)} / pytorch, ${threads} thread(s) each, store-all`] =
        find(rematName(gemm), threads, "storeAll")! / find("pytorch", threads, "storeAll")!;
    }
  }
  console.log("");
  for (const [k, v] of Object.entries(ratios)) console.log(`${k}: ×${v.toFixed(2)}`);
}
writeOutput(
  out,
  JSON.stringify(
    {
      model: chain.name,
      batch,
      machine: { cpu: os.cpus()[0]?.model, cores },
      rounds,
      steps,
      pytorch: torch?.info ?? null,
      rows,
      ratios,
    },
    null,
    2,
  ),
);
console.log(`wrote ${out}`);
process.exit(0);
