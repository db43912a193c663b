/**
 * Planning time of `optimal` on 128-stage chains: a heterogeneous `sequential` chain (mixed
 * kinds and widths), a residual `mlp` and a `gpt`, each at budgets from its smallest
 * feasible to just under store-all, with 500 slots and with the default units. Prints the
 * median planning time of `--repeats` runs per budget and the predicted time overhead.
 *
 *   deno run -A benchmarks/optimal_plan_bench.ts [--repeats 3] [--stages 128]
 *   bun benchmarks/optimal_plan_bench.ts
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import {
  type Chain,
  gpt,
  type LayerSpec,
  mlp,
  predictPlan,
  type Profile,
  sequential,
  staticProfile,
} from "@remat/core";
import { optimalSchedule, optimalSmallestBytes } from "../strategies/optimal.ts";
import { planOf } from "../strategies/strategy.ts";
import { storeAll } from "../strategies/store_all.ts";

const { values } = parseArgs({
  options: { repeats: { type: "string", default: "3" }, stages: { type: "string", default: "128" } },
});
const repeats = Number(values.repeats);
const n = Number(values.stages);

/** A deterministic heterogeneous chain of `stages` stages (the head included). */
function heterogeneous(stages: number): Chain {
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const widths = [16, 32, 48, 64, 96, 128, 192, 256];
  const w = () => widths[Math.floor(rand() * widths.length)]!;
  const layers: LayerSpec[] = [];
  for (let i = 0; i < stages - 1; i++) {
    const r = rand();
    layers.push(
      r < 0.25
        ? { kind: "linear", out: w() }
        : r < 0.45
        ? { kind: "tanh", out: w() }
        : r < 0.75
        ? { kind: "residual", hidden: 4 * w(), dropout: rand() < 0.3 ? 0.1 : 0 }
        : r < 0.87
        ? { kind: "layernorm" }
        : { kind: "gelu-dropout", p: rand() < 0.5 ? 0.1 : 0 },
    );
  }
  return sequential({ inputs: 64, classes: 10, layers });
}

const cases: Array<{ label: string; profile: Profile }> = [
  { label: `sequential, ${n} mixed stages, batch 32`, profile: staticProfile(heterogeneous(n), 32) },
  {
    label: `mlp depth ${n - 2}, batch 64`,
    profile: staticProfile(mlp({ depth: n - 2, width: 256, hidden: 1024, classes: 10 }), 64),
  },
  {
    label: `gpt ${n - 2} layers, batch 8`,
    profile: staticProfile(gpt({ layers: n - 2, dModel: 64, heads: 4, seqLen: 32, vocab: 96 }), 8),
  },
];

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
log(`optimal planning time (${runtime}), ${repeats} runs per budget, median`);
let worst = 0;
for (const { label, profile } of cases) {
  const low = optimalSmallestBytes(profile);
  const high = storeAll(profile).summary().predictedPeakBytes;
  const base = storeAll(profile).summary().predictedTime;
  log(`\n${label}: ${profile.stages.length} stages, smallest ${low} B, store-all ${high} B`);
  for (const fraction of [0, 0.05, 0.2, 0.5, 0.8, 0.99]) {
    const bytes = Math.floor(low + (high - low) * fraction);
    for (const slots of [500, undefined]) {
      const options = slots === undefined ? { bytes } : { bytes, slots };
      const times: number[] = [];
      let info = null;
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        info = optimalSchedule(profile, options);
        times.push(performance.now() - t0);
      }
      const ms = median(times);
      if (slots === 500) worst = Math.max(worst, ms);
      const p = predictPlan(profile, planOf(info!.schedule, profile, "optimal"));
      log(
        `  budget ${(100 * fraction).toFixed(0).padStart(3)}% ${String(bytes).padStart(10)} B  ${
          (slots === undefined ? "default" : `slots=${slots}`).padEnd(9)
        } ${String(info!.units).padStart(5)} units × ${String(info!.unitBytes).padStart(6)} B ${
          (info!.exact ? "exact" : "").padEnd(5)
        } via ${info!.via.padEnd(9)} ${ms.toFixed(1).padStart(7)} ms   peak ${p.peakBytes} B, time ×${
          (p.time / base).toFixed(4)
        }`,
      );
    }
  }
}
log(`\nworst 500-slot planning time: ${worst.toFixed(1)} ms`);

function log(s: string): void {
  process.stdout.write(`${s}\n`);
}
