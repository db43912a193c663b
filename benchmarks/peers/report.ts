/**
 * The peers bench's report of one model: the markdown table of store-all and √n times per
 * system and thread count, and the remat / PyTorch ratios.
 * @module
 */
import os from "node:os";
import type { PeerModel } from "./models.ts";

/** The median step time of one system, thread count and mode. */
export interface Row {
  /** "remat", "remat (OpenBLAS)" or "pytorch". */
  readonly system: string;
  /** Threads it ran on. */
  readonly threads: number;
  /** "storeAll" or "sqrt". */
  readonly mode: string;
  /** Median step time, ms. */
  readonly ms: number;
}

/** The table's lines: each system on each thread count, in `rows`' order. */
function lines(rows: ReadonlyArray<Row>): Array<[string, number]> {
  const seen = new Map<string, [string, number]>();
  for (const r of rows) seen.set(`${r.system}/${r.threads}`, [r.system, r.threads]);
  return [...seen.values()];
}

/**
 * Prints `model`'s table and its ratios (each remat variant over PyTorch on as many threads,
 * store-all; none without PyTorch rows) and returns the ratios.
 */
export function report(
  model: PeerModel,
  rows: ReadonlyArray<Row>,
  run: { rounds: number; steps: number; torch: string | null },
): Record<string, number> {
  const find = (system: string, threads: number, mode: string) =>
    rows.find((r) => r.system === system && r.threads === threads && r.mode === mode)!.ms;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  console.log(
    `\n${model.title} (${model.chain.name}), batch ${model.batch}, forward + backward; ${
      os.cpus()[0]?.model ?? "CPU"
    }, ${cores} cores`,
  );
  console.log(`median of ${run.rounds} rounds × ${run.steps} steps, systems alternating\n`);
  console.log("| system | threads | store-all | √n checkpointing | √n overhead |");
  console.log("|---|---|---|---|---|");
  for (const [system, threads] of lines(rows)) {
    const a = find(system, threads, "storeAll"), b = find(system, threads, "sqrt");
    const name = system === "pytorch" ? `pytorch ${run.torch}` : system;
    const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
    console.log(`| ${name} | ${threads} | ${s(a)} | ${s(b)} | ×${(b / a).toFixed(3)} |`);
  }
  const ratios: Record<string, number> = {};
  if (run.torch === null) return ratios;
  for (const [system, threads] of lines(rows)) {
    if (system === "pytorch") continue;
    ratios[`${system} / pytorch, ${threads} thread(s) each, store-all`] = find(system, threads, "storeAll") /
      find("pytorch", threads, "storeAll");
  }
  console.log("");
  for (const [k, v] of Object.entries(ratios)) console.log(`${k}: ×${v.toFixed(2)}`);
  return ratios;
}
