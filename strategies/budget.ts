/**
 * budget: store-or-recompute-once under a byte budget, chosen as a 0-1 knapsack in the
 * spirit of PyTorch's activation memory budget (torch/_functorch: value = runtime saved,
 * weight = memory), and fast for chains of many thousands of stages.
 *
 * The family. Every stage is either *stored* (run with its tape in the one forward sweep
 * and never again: a `chain` node) or *recomputed once* (run untaped in the sweep, then
 * once more with its tape just before its backward: inside a `leaf` whose head is a
 * `chainSegment`). A run of recomputed stages is cut into segments, each recomputed from a
 * checkpoint kept from the sweep (its first input). Stored stages that form a suffix of the
 * chain are exactly `checkpointSchedule`'s plans (`uniform`, `sqrt`); the family adds stored
 * stages anywhere and segments of any lengths. Time is exact: store-all's time plus the
 * forward time of every recomputed stage.
 *
 * The least peak. `budgetBounds(profile).minBytes` is the least predicted peak over the
 * whole family, found exactly by a dynamic program over the chain (`budget_family.ts`:
 * the memory model of `optimal` restricted to the family; checked against every member of
 * small chains by brute force). So every budget from it up is accepted, and no member of
 * the family fits below it. Below it, `budget` throws `FamilyBudgetInfeasible` (a
 * `BudgetInfeasible`) with that figure and, when another strategy fits lower, its figure:
 * `optimal`'s smallest budget on chains up to 400 stages, else `revolve`'s peak — the family
 * never recomputes a stage twice, and multi-level recomputation often fits in far less.
 *
 * The knapsack. Items are the stages; storing stage i saves value v_i = f_i (its forward
 * time, not run a second time) and costs weight w_i = t_i + a_{i+1} (its tape and output,
 * kept from the sweep until its backward). With ≤ 2,000 stages it is solved exactly by a
 * dynamic program over the capacity cut into 1,000 units (weights rounded up); above that,
 * greedily by v_i/w_i (ties: later stages first), capacity = how many items of that order
 * are taken. Its recomputed runs are cut into segments whose bytes Σ(t_i + a_{i+1}) stay
 * within L = max(L₀, Σ_stored w), where L₀ is the segment size of the smallest of a few
 * all-recompute members cut by size (L over a geometric grid around L_s = √(Σ(t_i +
 * a_{i+1}) · mean a_i), the √n rule in bytes, with a few stored suffixes): no point cutting
 * segments shorter than the stored tapes, which are all live at the loss anyway.
 *
 * How the knapsack's bytes relate to the exact peak. The capacity is a knob, not a peak:
 * the knapsack adds w_i as if every stored tape were live at one moment beside nothing
 * else. The exact peak (`predictPlan`) also counts the checkpoints, the gradient in flight,
 * the tapes of the segment being recomputed, and each instruction's transient (forward,
 * backward and loss peaks); it counts an output once when a tape and a slot share it (so
 * a_{i+1} may be counted by w_i but not live); and a stored tape early in the chain is
 * still live while later segments are recomputed, which an additive weight cannot see. So
 * the plan is always checked with `predictPlan`: the capacity is searched (binary search)
 * for the largest whose member's exact peak fits the budget, and the fastest member seen
 * that fits (the least-peak member and the size-cut members above included) is returned.
 * The predicted peak is therefore ≤ the budget by construction.
 *
 * Bounds. `fraction` 0 is the family's least peak; `fraction` 1 is store-all's peak (and
 * returns store-all's plan, so no recomputation); linear in between. Byte budgets are
 * checked as `optimal`'s are (a whole number of bytes ≥ 1). The bounds are computed once
 * per profile object (cached).
 *
 * Monotonicity. Not guaranteed: the binary search assumes the exact peak grows with the
 * capacity, which the position effects above can break, so a larger budget could land on a
 * slower member. Never observed: predicted time was non-increasing over 100 budgets on each
 * of 1,500 random chains, on homogeneous chains of 5–2,500 stages and on random synthetic
 * profiles of 30–2,500 stages (both knapsack solvers; measured again with the exact least
 * peak as the lower bound). Budgets ≥ store-all's peak always give store-all.
 * @module
 */
import { InvalidArgument, predictPlan, type Profile } from "@remat/core";
import { checkBudgetBytes } from "./budget_bytes.ts";
import { FamilyModel } from "./budget_family.ts";
import { FamilyBudgetInfeasible, lowerElsewhere } from "./budget_infeasible.ts";
import { memberSchedule, segmentsBySize } from "./budget_member.ts";
import { dpKnapsack, greedyKnapsack, type Knapsack } from "./knapsack.ts";
import { emitSchedule } from "./schedule.ts";
import { type StrategyPlan, withSummary } from "./strategy.ts";

/** Options of `budget`: a byte budget, or a fraction of the way from the family's least peak to store-all's. */
export type BudgetOptions = { readonly bytes: number } | { readonly fraction: number };

/** The range of budgets `budget` plans for on a profile. */
export interface BudgetBounds {
  /**
   * The least predicted peak of any store-or-recompute-once plan (exact: no member of the
   * family peaks lower); smaller budgets throw BudgetInfeasible, this one and larger fit.
   */
  readonly minBytes: number;
  /** Store-all's predicted peak (fraction 1); larger budgets give store-all. */
  readonly maxBytes: number;
}

/** Stages above which the knapsack is solved greedily instead of by the dynamic program. */
export const BUDGET_DP_MAX_STAGES = 2000;
/** Suffix lengths tried when looking for the segment size L₀. */
const SUFFIX_PROBES = 16;
/** The family in words, for the infeasibility message. */
const FAMILY = "each stage stored or recomputed once";

/**
 * The fastest store-or-recompute-once plan whose predicted peak fits the budget.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { budget } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const plan = budget(profile, { fraction: 0.5 });
 * console.log(plan.summary().predictedPeakBytes, plan.summary().overhead);
 * ```
 */
export function budget(profile: Profile, options: BudgetOptions): StrategyPlan {
  const n = profile.stages.length;
  const opts = (options ?? {}) as { bytes?: unknown; fraction?: unknown };
  const hasBytes = "bytes" in opts && opts.bytes !== undefined;
  const hasFraction = "fraction" in opts && opts.fraction !== undefined;
  if (hasBytes === hasFraction) {
    throw new InvalidArgument({
      name: "options",
      value: options,
      expected: "exactly one of { bytes } (a whole number of bytes ≥ 1) or { fraction } (in [0, 1])",
    });
  }
  if (hasBytes) checkBudgetBytes(opts.bytes);
  else {
    const f = opts.fraction;
    if (typeof f !== "number" || Number.isNaN(f) || f < 0 || f > 1) {
      throw new InvalidArgument({ name: "fraction", value: f, expected: "a number in [0, 1]" });
    }
  }
  const ctx = context(profile);
  const { minBytes, maxBytes } = ctx.bounds;
  const bytes = hasBytes
    ? (opts.bytes as number)
    : (opts.fraction as number) === 1
    ? maxBytes
    : minBytes + (opts.fraction as number) * (maxBytes - minBytes);
  const name = hasBytes ? `budget(bytes=${bytes})` : `budget(fraction=${opts.fraction}, bytes=${bytes})`;
  if (bytes < minBytes) {
    throw new FamilyBudgetInfeasible({
      strategy: "budget",
      family: FAMILY,
      requestedBytes: bytes,
      smallestFeasibleBytes: minBytes,
      elsewhere: lowerElsewhere(profile),
    });
  }
  const emit = (m: Member) => withSummary(emitSchedule(memberSchedule(m.stored, m.start), n, name), profile);
  if (ctx.storeAll.peak <= bytes) return emit(ctx.storeAll);

  // The fastest member seen that fits; the least-peak member fits by the check above.
  let best = ctx.smallest;
  const consider = (m: Member) => {
    if (m.peak <= bytes && m.time < best.time) best = m;
    return m.peak <= bytes;
  };
  for (const m of ctx.probes) consider(m);
  const knap = ctx.knapsack ??= n > BUDGET_DP_MAX_STAGES
    ? greedyKnapsack(ctx.value, ctx.weight)
    : dpKnapsack(ctx.value, ctx.weight);
  // Capacity −1 stands for the least-peak member (fits); knap.max stores everything (store-all: too big).
  let lo = -1, hi = knap.max;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (consider(ctx.member(knap.select(mid)))) lo = mid;
    else hi = mid;
  }
  return emit(best);
}

/**
 * The budgets `budget` accepts on a profile: the family's least peak and store-all's.
 *
 * @example
 * ```ts
 * import { mlp, staticProfile } from "@remat/core";
 * import { budget, budgetBounds } from "@remat/strategies";
 * const profile = staticProfile(mlp({ depth: 16, width: 64, hidden: 256, classes: 10 }), 32);
 * const { minBytes, maxBytes } = budgetBounds(profile);
 * const plan = budget(profile, { bytes: Math.round((minBytes + maxBytes) / 2) });
 * ```
 */
export function budgetBounds(profile: Profile): BudgetBounds {
  return context(profile).bounds;
}

/** A member of the family with its predicted peak and time (its plan is emitted when returned). */
interface Member {
  readonly stored: Uint8Array;
  readonly start: Uint8Array;
  readonly peak: number;
  readonly time: number;
}

interface Context {
  readonly value: Float64Array;
  readonly weight: Float64Array;
  readonly storeAll: Member;
  /** The member of least peak (the program's). */
  readonly smallest: Member;
  /** The members cut by size tried for L₀: candidates at every budget. */
  readonly probes: ReadonlyArray<Member>;
  readonly bounds: BudgetBounds;
  /** The knapsack solved for every capacity, made on first use. */
  knapsack?: Knapsack;
  /** The member storing the flagged stages, its segments cut by size from L₀. */
  member(stored: Uint8Array): Member;
}

const contexts = new WeakMap<Profile, Context>();

function context(profile: Profile): Context {
  const cached = contexts.get(profile);
  if (cached) return cached;
  const st = profile.stages;
  const n = st.length;
  const value = new Float64Array(n);
  const weight = new Float64Array(n);
  let sumW = 0, sumA = 0;
  for (let i = 0; i < n; i++) {
    value[i] = st[i]!.forwardTime;
    weight[i] = st[i]!.tapeBytes + st[i]!.outputBytes;
    sumW += weight[i]!;
    if (i < n - 1) sumA += st[i]!.outputBytes; // a_{i+1}: the checkpoint candidates x_1..x_{n-1}
  }
  const evaluate = (stored: Uint8Array, start: Uint8Array): Member => {
    const p = predictPlan(profile, emitSchedule(memberSchedule(stored, start), n, "budget"));
    return { stored, start, peak: p.peakBytes, time: p.time };
  };
  const all = new Uint8Array(n).fill(1);
  const storeAll = evaluate(all, new Uint8Array(n));
  const least = new FamilyModel(profile).leastPeak();
  const smallest = evaluate(least.stored, least.start);

  // L₀, the segment size of knapsack members: the size-cut member of least peak among
  // (1) all recomputed, L over a geometric grid around the √n rule in bytes; (2) with that
  // L, stored suffixes of m stages (storing the last segment is usually cheaper); (3) with
  // that suffix, L refined.
  const probes: Member[] = [];
  let sized: Member | undefined;
  let L0 = Infinity, m0 = n;
  const suffix = (m: number) => {
    const stored = new Uint8Array(n);
    stored.fill(1, n - m);
    return stored;
  };
  const trySized = (m: number, L: number) => {
    const stored = suffix(m);
    const c = evaluate(stored, segmentsBySize(stored, weight, L));
    probes.push(c);
    if (!sized || c.peak < sized.peak || (c.peak === sized.peak && c.time < sized.time)) {
      (sized = c), (L0 = L), (m0 = m);
    }
  };
  const Ls = n > 1 ? Math.sqrt(sumW * (sumA / (n - 1))) : 0;
  trySized(0, Infinity);
  trySized(0, 0);
  for (let k = -12; k <= 12; k += 2) trySized(0, Ls * 2 ** (k / 4));
  if (Number.isFinite(L0) && L0 > 0) {
    const L = L0;
    for (const j of [-1, 1]) trySized(0, L * 2 ** (j / 4));
  }
  if (m0 < n) {
    const L = L0;
    const cap = 4 * (L > 0 ? L : sumW / n);
    let reach = 0, w = 0; // suffixes whose bytes stay within 4·L (all of them when L = ∞)
    while (reach < n && w + weight[n - 1 - reach]! <= cap) w += weight[n - 1 - reach++]!;
    const steps = Math.min(reach, SUFFIX_PROBES);
    for (let k = 1; k <= steps; k++) trySized(Math.round((k * reach) / steps), L);
    if (m0 < n && Number.isFinite(L0) && L0 > 0) {
      const m = m0, L1 = L0;
      for (let j = -4; j <= 4; j++) if (j !== 0) trySized(m, L1 * 2 ** (j / 16));
    }
  }
  const ctx: Context = {
    value,
    weight,
    storeAll,
    smallest,
    probes,
    bounds: { minBytes: Math.min(smallest.peak, storeAll.peak), maxBytes: storeAll.peak },
    member(stored) {
      let w = 0;
      for (let i = 0; i < n; i++) if (stored[i]) w += weight[i]!;
      return evaluate(stored, segmentsBySize(stored, weight, Math.max(L0, w)));
    },
  };
  contexts.set(profile, ctx);
  return ctx;
}
