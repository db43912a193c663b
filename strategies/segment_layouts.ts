/**
 * Segment layouts: checkpoints every k stages counted back from a stored last segment of
 * `last` stages (the first segment takes the remainder). The three layouts people use are
 * all of this form:
 * - `uniform(every = k)`: checkpoints at k, 2k, …; the stored last segment is the remainder,
 * - counted from the end (Chen's layout, `sqrt` before it compared layouts): last = k,
 * - PyTorch's `checkpoint_sequential(segments = s)`: k = ⌊n/s⌋, the last takes the remainder.
 * And the one `sqrt` picks among them: least predicted peak, then least predicted time.
 * @module
 */
import type { Profile } from "@remat/core";
import { FamilyModel } from "./budget_family.ts";

/** A layout: segments of `every` stages before a stored last segment of `last` stages. */
export interface SegmentLayout {
  /** Stages per segment (the first may be shorter). */
  readonly every: number;
  /** Stages of the last segment, taped in the first sweep and never recomputed (n: store-all). */
  readonly last: number;
  /** The checkpointed stage inputs, ascending: n − last, n − last − every, … above 0. */
  readonly checkpoints: ReadonlyArray<number>;
}

/** A layout with its predicted peak and the forward time it recomputes. */
export interface ScoredLayout extends SegmentLayout {
  readonly peak: number;
  readonly recomputeTime: number;
}

/** Chains up to this many stages compare every k and s in 1..n; longer ones a window around √n. */
export const ALL_LAYOUTS_MAX_STAGES = 256;

/** The layout with segments of `every` stages and a stored last segment of `last` (1 ≤ last ≤ n). */
export function layout(n: number, every: number, last: number): SegmentLayout {
  const checkpoints: number[] = [];
  for (let c = n - last; c > 0; c -= every) checkpoints.push(c);
  return { every, last, checkpoints: checkpoints.reverse() };
}

/**
 * The layouts `sqrt` compares on n stages: for each segment length k in `ks`, `uniform`'s
 * and the from-the-end one, and PyTorch's for each segment count s in `ss`. Deduplicated.
 */
export function candidateLayouts(n: number, ks: Iterable<number>, ss: Iterable<number>): SegmentLayout[] {
  const out = new Map<string, SegmentLayout>();
  const add = (every: number, last: number) => {
    const l = layout(n, every, last);
    const key = l.checkpoints.join(",");
    if (!out.has(key)) out.set(key, l);
  };
  for (const k of ks) {
    add(k, n - k * Math.floor((n - 1) / k)); // uniform(every = k)
    add(k, Math.min(k, n)); // counted from the end
  }
  for (const s of ss) {
    const k = Math.floor(n / s);
    add(k, n - (s - 1) * k); // checkpoint_sequential(segments = s)
  }
  return [...out.values()];
}

/**
 * Segment lengths and counts `sqrt` tries: all of 1..n up to `ALL_LAYOUTS_MAX_STAGES`
 * stages, else lengths within a factor of 2 of `k0` and the counts whose ⌊n/s⌋ lies there.
 */
export function layoutWindow(n: number, k0: number): { ks: number[]; ss: number[] } {
  const range = (lo: number, hi: number) =>
    Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
  if (n <= ALL_LAYOUTS_MAX_STAGES) return { ks: range(1, n), ss: range(1, n) };
  const lo = Math.max(1, Math.ceil(k0 / 2)), hi = Math.min(n, 2 * k0);
  return {
    ks: range(lo, hi),
    ss: range(Math.max(1, Math.ceil(n / (hi + 1))), Math.min(n, Math.floor(n / lo))),
  };
}

/** The layout of least predicted peak and, among those, least predicted time (ties: the first). */
export function bestLayout(profile: Profile, layouts: ReadonlyArray<SegmentLayout>): ScoredLayout {
  const model = new FamilyModel(profile);
  const n = profile.stages.length;
  let best: ScoredLayout | undefined;
  for (const l of layouts) {
    const stored = new Uint8Array(n), start = new Uint8Array(n);
    const tail = l.checkpoints.at(-1) ?? 0;
    stored.fill(1, tail);
    if (tail > 0) start[0] = 1;
    for (const c of l.checkpoints) if (c < tail) start[c] = 1;
    const member = { stored, start };
    const scored = { ...l, peak: model.peakOf(member), recomputeTime: model.recomputeTime(member) };
    if (
      !best || scored.peak < best.peak ||
      (scored.peak === best.peak && scored.recomputeTime < best.recomputeTime)
    ) best = scored;
  }
  if (!best) throw new RangeError("bestLayout: no layout given");
  return best;
}
