/**
 * The peers bench's report of one model: the markdown table of store-all and √n times per
 * system and thread count, and the ratios of remat to PyTorch and to jax-js.
 * @module
 */
import os from "node:os";
import type { PeerModel } from "./models.ts";

/** The median step time of one system, thread count and mode. */
export interface Row {
  /** "remat", "remat (OpenBLAS)", "pytorch" or "jax-js". */
  readonly system: string;
  /** Threads it ran on. */
  readonly threads: number;
  /** "storeAll" or "sqrt" (jax-js: store-all only). */
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

/** The peers' versions (null where not timed), for the table's names and the ratios. */
export interface PeerVersions {
  /** PyTorch's version. */
  readonly torch: string | null;
  /** jax-js's version. */
  readonly jaxjs: string | null;
}

/**
 * Prints `model`'s table and its ratios (each remat variant over PyTorch and over jax-js on as
 * many threads, store-all, where that peer has such a row) and returns the ratios. A system
 * without √n rows (jax-js) shows "—" there.
 */
export function report(
  model: PeerModel,
  rows: ReadonlyArray<Row>,
  run: { rounds: number; steps: number } & PeerVersions,
): Record<string, number> {
  const find = (system: string, threads: number, mode: string) =>
    rows.find((r) => r.system === system && r.threads === threads && r.mode === mode)?.ms;
  const names: Record<string, string> = {
    pytorch: `pytorch ${run.torch}`,
    "jax-js": `jax-js ${run.jaxjs} (wasm, jit)`,
  };
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
    const a = find(system, threads, "storeAll")!, b = find(system, threads, "sqrt");
    const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
    const overhead = b === undefined ? "—" : `×${(b / a).toFixed(3)}`;
    console.log(
      `| ${names[system] ?? system} | ${threads} | ${s(a)} | ${b === undefined ? "—" : s(b)} | ${overhead} |`,
    );
  }
  const ratios: Record<string, number> = {};
  for (const peer of ["pytorch", "jax-js"]) {
    for (const [system, threads] of lines(rows)) {
      const mine = find(system, threads, "storeAll"), theirs = find(peer, threads, "storeAll");
      if (system === "pytorch" || system === "jax-js" || mine === undefined || theirs === undefined) continue;
      ratios[`${system} / ${peer}, ${threads} thread(s) each, store-all`] = mine / theirs;
    }
  }
  if (Object.keys(ratios).length === 0) return ratios;
  console.log("");
  for (const [k, v] of Object.entries(ratios)) console.log(`${k}: ×${v.toFixed(2)}`);
  return ratios;
}
