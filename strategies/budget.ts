/**
 * budget: store-or-recompute-once under a byte budget, chosen as a 0-1 knapsack in the
 * spirit of PyTorch's activation memory budget (torch/_functorch: value = runtime saved,
 * weight = memory), and fast for chains of many thousands of stages.
 *
 * The family. Every stage is either *stored* (run with its tape in the one forward sweep
 * and never again: a `chain` node) or *recomputed once* (run untaped in the sweep, then
 * once more with its tape just before its backward: inside a `leaf` whose head is a
 * `chainSegment`). A run of recomputed stages is cut into segments, each recomputed from a
 * checkpoint kept from the sweep: its first input (the input of a run's first stage is the
 * output of a stored stage or x_0, kept anyway), and further inputs where the segment's
 * bytes t_i + a_{i+1} would pass a length L. Stored stages that form a suffix of the chain
 * are exactly `checkpointSchedule`'s plans (its last segment runs with tapes in the sweep);
 * the family adds stored stages anywhere. Time is exact: store-all's time plus the forward
 * time of every recomputed stage.
 *
 * The knapsack. Items are the stages; storing stage i saves value v_i = f_i (its forward
 * time, not run a second time) and costs weight w_i = t_i + a_{i+1} (its tape and output,
 * kept from the sweep until its backward). With ≤ 2,000 stages it is solved exactly by a
 * dynamic program over the capacity cut into 1,000 units (weights rounded up); above that,
 * greedily by v_i/w_i (ties: later stages first), capacity = how many items of that order
 * are taken. Its recomputed runs are cut by size with L = max(L₀, Σ_stored w), where L₀ is
 * the L of the smallest size-cut member found for the bounds (no point cutting segments
 * shorter than the stored tapes, which are all live at the loss anyway).
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
 * that fits is returned. The predicted peak is therefore ≤ the budget by construction.
 *
 * Bounds. `fraction` 0 is the smallest exact peak found in the family: the least of
 * store-all, the all-recompute member with segments cut by size over a grid of L around
 * L_s = √(Σ(t_i + a_{i+1}) · mean a_i) (the √n rule in bytes; also L = 0 and L = ∞), the
 * same with the best L and the last m stages stored (a few m), and `uniform(every = k)`'s
 * plans with segments counted from the start and (as `sqrt` counts them) from the end
 * (every k up to 256 stages, a grid around √n and `sqrt`'s k above). It is a search,
 * not a proof of the family's minimum, but it is never above `sqrt`'s or any tried
 * `uniform`'s peak. `fraction` 1 is store-all's peak (and returns store-all's plan, so no
 * recomputation); linear in between. A budget below the smallest peak throws
 * `BudgetInfeasible` with it. The bounds are computed once per profile object (cached).
 *
 * Monotonicity. Not guaranteed: the binary search assumes the exact peak grows with the
 * capacity, which the position effects above can break, so a larger budget could land on a
 * slower member. Never observed: predicted time was non-increasing over 100 budgets on each
 * of 1,500 random chains, on homogeneous chains of 5–2,500 stages and on random synthetic
 * profiles of 30–2,500 stages (both knapsack solvers). Budgets ≥ store-all's peak always
 * give store-all.
 * @module
 */
import { BudgetInfeasible, InvalidArgument, type Plan, predictPlan, type Profile } from "@remat/core";
import { dpKnapsack, greedyKnapsack, type Knapsack } from "./knapsack.ts";
import { memberSchedule, segmentsBySize } from "./budget_member.ts";
import { emitSchedule } from "./schedule.ts";
import { everyKFromEnd, sqrtSegment } from "./sqrt.ts";
import { type StrategyPlan, withSummary } from "./strategy.ts";
import { everyK } from "./uniform.ts";

/** Options of `budget`: a byte budget, or a fraction of the way from the family's smallest peak to store-all's. */
export type BudgetOptions = { readonly bytes: number } | { readonly fraction: number };

/** The range of budgets `budget` plans for on a profile. */
export interface BudgetBounds {
  /**
   * The smallest predicted peak among the members the search probes (segments cut by size and
   * by count); smaller budgets throw BudgetInfeasible. A heuristic bound: the plan made at this
   * budget may peak a little below it, when the knapsack finds a smaller member.
   */
  readonly minBytes: number;
  /** Store-all's predicted peak (fraction 1); larger budgets give store-all. */
  readonly maxBytes: number;
}

/** Stages above which the knapsack is solved greedily instead of by the dynamic program. */
export const BUDGET_DP_MAX_STAGES = 2000;
/** Suffix lengths tried when looking for the smallest member. */
const SUFFIX_PROBES = 16;
/** Chains up to this many stages try every uniform segment length for the smallest member. */
const UNIFORM_ALL_K = 256;

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
      expected: "exactly one of { bytes } (a byte budget ≥ 0) or { fraction } (in [0, 1])",
    });
  }
  if (hasBytes) {
    const b = opts.bytes;
    if (typeof b !== "number" || Number.isNaN(b) || b < 0) {
      throw new InvalidArgument({ name: "bytes", value: b, expected: "a number of bytes ≥ 0" });
    }
  } else {
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
    throw new BudgetInfeasible({
      strategy: "budget",
      requestedBytes: bytes,
      smallestFeasibleBytes: minBytes,
    });
  }
  if (ctx.storeAll.peak <= bytes) return withSummary({ ...ctx.storeAll.plan, strategy: name }, profile);

  // The fastest member seen that fits; the smallest-peak member fits by the check above.
  let best = ctx.smallest;
  const consider = (m: Member) => {
    if (m.peak <= bytes && m.time < best.time) best = m;
    return m.peak <= bytes;
  };
  const knap = ctx.knapsack ??= n > BUDGET_DP_MAX_STAGES
    ? greedyKnapsack(ctx.value, ctx.weight)
    : dpKnapsack(ctx.value, ctx.weight);
  // Capacity −1 stands for the smallest member (fits); knap.max stores everything (store-all: too big).
  let lo = -1, hi = knap.max;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (consider(ctx.member(knap.select(mid)))) lo = mid;
    else hi = mid;
  }
  return withSummary({ ...best.plan, strategy: name }, profile);
}

/**
 * The budgets `budget` accepts on a profile: the family's smallest peak and store-all's.
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

/** A member of the family, emitted and predicted. */
interface Member {
  readonly plan: Plan;
  readonly peak: number;
  readonly time: number;
}

interface Context {
  readonly n: number;
  readonly value: Float64Array;
  readonly weight: Float64Array;
  readonly storeAll: Member;
  readonly smallest: Member;
  readonly bounds: BudgetBounds;
  /** The knapsack solved for every capacity, made on first use. */
  knapsack?: Knapsack;
  /** The member storing the flagged stages, its segment length from L₀. */
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
    const plan = emitSchedule(memberSchedule(stored, start), n, "budget");
    const p = predictPlan(profile, plan);
    return { plan, peak: p.peakBytes, time: p.time };
  };
  const all = new Uint8Array(n).fill(1);
  const storeAll = evaluate(all, segmentsBySize(all, weight, Infinity));
  let smallest = storeAll;
  const keep = (c: Member): boolean => {
    const better = c.peak < smallest.peak || (c.peak === smallest.peak && c.time < smallest.time);
    if (better) smallest = c;
    return better;
  };
  const suffix = (m: number) => {
    const stored = new Uint8Array(n);
    stored.fill(1, n - m);
    return stored;
  };
  // The smallest member, segments cut by size: (1) all recomputed, L over a geometric grid
  // around the √n rule in bytes; (2) with that L, store suffixes of m stages (storing the
  // last segment is usually cheaper); (3) with that suffix, refine L.
  let L0 = Infinity, m0 = n;
  const trySized = (m: number, L: number) => {
    const stored = suffix(m);
    if (keep(evaluate(stored, segmentsBySize(stored, weight, L)))) (L0 = L), (m0 = m);
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
  // (4) Segments cut by count: `uniform(every = k)`'s plans (checkpoints at k, 2k, …, the
  // last segment stored) and `sqrt`'s layout of them (counted from the end), for every k
  // when n ≤ 256, else a grid around √n and sqrt's k.
  // Counting beats sizing when cheap checkpoints recur with the chain's period.
  const ks = new Set<number>();
  if (n <= UNIFORM_ALL_K) { for (let k = 1; k <= n; k++) ks.add(k); }
  else {
    for (let j = -6; j <= 6; j++) ks.add(Math.max(1, Math.round(Math.sqrt(n) * 2 ** (j / 4))));
    ks.add(sqrtSegment(profile));
  }
  for (const k of ks) {
    // the two countings coincide when k divides n
    for (const checkpoints of n % k === 0 ? [everyK(n, k)] : [everyK(n, k), everyKFromEnd(n, k)]) {
      const last = checkpoints.at(-1) ?? 0; // stages from the last checkpoint on are stored
      const start = new Uint8Array(n);
      start[0] = 1;
      for (const c of checkpoints) if (c < last) start[c] = 1;
      keep(evaluate(suffix(n - last), start));
    }
  }
  const ctx: Context = {
    n,
    value,
    weight,
    storeAll,
    smallest,
    bounds: { minBytes: smallest.peak, maxBytes: storeAll.peak },
    member(stored) {
      let w = 0;
      for (let i = 0; i < n; i++) if (stored[i]) w += weight[i]!;
      return evaluate(stored, segmentsBySize(stored, weight, Math.max(L0, w)));
    },
  };
  contexts.set(profile, ctx);
  return ctx;
}
