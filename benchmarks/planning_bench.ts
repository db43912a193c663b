/**
 * Planning-time benchmark of the strategies for very long chains, on synthetic homogeneous
 * profiles (built directly: `staticProfile` of a 100,000-stage chain would dominate):
 * `budget` for 10,000 stages (cold: the bounds search included; then warm, bounds cached)
 * and `revolve` for 100,000 stages at several slot counts. Prints each time with the
 * plan's size and predicted peak.
 *
 *   deno run -A benchmarks/planning_bench.ts [--repeats 3]
 *   bun benchmarks/planning_bench.ts
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { predictPlan } from "@remat/core";
import { homogeneousProfile } from "@remat/conformance";
import { budget, budgetBounds } from "../strategies/budget.ts";
import { revolve, revolveForwards } from "../strategies/revolve.ts";

const { values } = parseArgs({ options: { repeats: { type: "string", default: "3" } } });
const repeats = Math.max(1, Number(values.repeats));

const runtime = "Deno" in globalThis
  ? `deno ${(globalThis as any).Deno.version.deno}`
  : `bun ${(process.versions as any).bun}`;
const ms = (t: number) => `${t.toFixed(1).padStart(7)} ms`;
const log = (s: string) => console.log(s);

log(`planning time (${runtime}), best of ${repeats}`);

{
  const n = 10_000;
  const fresh = () => homogeneousProfile(n); // a new object: the bounds cache is per profile object
  log(`\nbudget, ${n} stages (greedy knapsack)`);
  const t0 = performance.now();
  const bounds = budgetBounds(fresh());
  log(
    `  bounds alone (cold)    ${
      ms(performance.now() - t0)
    }   smallest ${bounds.minBytes} B, store-all ${bounds.maxBytes} B`,
  );
  for (const fraction of [0, 0.1, 0.5, 0.9, 1]) {
    let cold = Infinity, warm = Infinity, plan = null as ReturnType<typeof budget> | null;
    for (let r = 0; r < repeats; r++) {
      const profile = fresh();
      let t = performance.now();
      plan = budget(profile, { fraction });
      cold = Math.min(cold, performance.now() - t);
      t = performance.now();
      budget(profile, { fraction });
      warm = Math.min(warm, performance.now() - t);
    }
    const p = predictPlan(homogeneousProfile(n), plan!);
    log(
      `  fraction ${fraction.toFixed(1)}  cold ${ms(cold)}  warm ${ms(warm)}   ${
        plan!.instructions.length
      } instructions, ` +
        `peak ${p.peakBytes} B, ${p.untapedForwards} recomputed`,
    );
  }
}

{
  const n = 100_000;
  const profile = homogeneousProfile(n);
  log(`\nrevolve, ${n} stages`);
  for (const slots of [5, 10, 20, 316, n]) {
    let best = Infinity, plan = null as ReturnType<typeof revolve> | null;
    for (let r = 0; r < repeats; r++) {
      const t = performance.now();
      plan = revolve(profile, { slots });
      best = Math.min(best, performance.now() - t);
    }
    const p = predictPlan(profile, plan!);
    if (p.untapedForwards !== revolveForwards(n, slots)) {
      throw new Error(`revolve(${slots}): count differs from t(n, s)`);
    }
    log(
      `  slots ${String(slots).padStart(6)}  ${ms(best)}   ${plan!.instructions.length} instructions, ` +
        `${p.untapedForwards} untaped forwards = t(n, s), peak ${p.peakBytes} B`,
    );
  }
}
