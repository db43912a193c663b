/**
 * `budget`'s family under the exact memory model, and its least peak found exactly.
 *
 * The family: every stage is *stored* (taped in the one forward sweep: a `chain` node) or
 * *recomputed once*; runs of recomputed stages are cut into segments, each a `leaf` whose
 * head is a `chainSegment` recomputed from the segment's first input (`memberSchedule`). A
 * member is a pair of flags: `stored[i]`, and `start[i]` for the recomputed stage that
 * starts a segment (the first of every run of them must). `checkpointSchedule`'s plans
 * (`uniform`, `sqrt`) are the members whose stored stages form a suffix.
 *
 * Peaks use the recurrences of `optimal.ts` ("The memory model", with its pins), which
 * equal `predictPlan`'s peak; here restricted to the family, whose leaves all reach the loss
 * (l = n) and whose heads are chains. With a_k the bytes of x_k, S the usage above a head's
 * start before its k-th stage, and F(i, p) the least peak of [i, n] started pinned (p = 1)
 * or not:
 * - store i: max(A_i, B_i(p), o_i(p) + F(i + 1, h_i)),
 * - segment i..j−1: max(sweep(i, j), a_j + max(F(j, 0), H(i, j − 1, p))),
 * where H(i, l, p) = max over i ≤ k < l of (S_k + A_k, S_k + B_k − a_{l+1}) and
 * S_l + single(l): A_k = max(pfr_k, t_k + a_{k+1}), o_k = t_k + a_{k+1} − ē_k (ē_k = 0
 * pinned), B_k = max(o_k + h_k·a_{k+1} + pb_k, p_k·a_k). Every option's peak is its local
 * part combined with F of what follows through max and +, both nondecreasing, so the least
 * peak of [i, n] takes the least peak of the rest: the program below is exact, not a
 * search. For a fixed start i, H and the sweep grow by O(1) per added stage, and
 * max(sweep, max_k (S_k + A_k)) is a lower bound of every longer segment that never
 * decreases, so the scan of j stops once it passes the best option: about √n stages per
 * start on uniform chains (O(n) per start at worst, when tapes are empty).
 * @module
 */
import type { Profile } from "@remat/core";

/** A member of the family: the stored stages and the starts of recomputed segments. */
export interface FamilyMember {
  /** 1 for a stage taped in the forward sweep and never run again. */
  readonly stored: Uint8Array;
  /** 1 for a recomputed stage whose input is kept as the checkpoint of its segment. */
  readonly start: Uint8Array;
}

/** A member of least peak, with its peak and the forward time it recomputes. */
export interface LeastPeakMember extends FamilyMember {
  /** The member's peak bytes (= `predictPlan`'s peak of its plan). */
  readonly peak: number;
  /** Σ forward time of its recomputed stages: its time above store-all's. */
  readonly recomputeTime: number;
}

/** The profile as flat arrays, with the family's peak of a member and its least peak. */
export class FamilyModel {
  readonly n: number;
  readonly a: Float64Array;
  readonly t: Float64Array;
  readonly e: Float64Array;
  readonly h: Uint8Array;
  readonly pfr: Float64Array;
  readonly pfn: Float64Array;
  readonly pb: Float64Array;
  readonly f: Float64Array;
  readonly lossPeak: number;

  constructor(profile: Profile) {
    const st = profile.stages;
    const n = (this.n = st.length);
    this.a = new Float64Array(n + 2);
    this.t = new Float64Array(n);
    this.e = new Float64Array(n + 1);
    this.h = new Uint8Array(n);
    this.pfr = new Float64Array(n);
    this.pfn = new Float64Array(n);
    this.pb = new Float64Array(n);
    this.f = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = st[i]!;
      this.a[i + 1] = s.outputBytes;
      this.t[i] = s.tapeBytes;
      this.h[i] = s.tapeHoldsOutput ? 1 : 0;
      this.pfr[i] = s.forwardPeakRecord;
      this.pfn[i] = s.forwardPeakDiscard;
      this.pb[i] = s.backwardPeak;
      this.f[i] = s.forwardTime;
    }
    for (let i = 1; i < n; i++) this.e[i] = st[i]!.tapeHoldsInput ? 0 : this.a[i]!;
    this.lossPeak = Math.max(profile.loss.peak, this.a[n]!);
  }

  /** Usage above a stored stage's start while what follows it runs. */
  off(k: number, p: number): number {
    return this.t[k]! + this.a[k + 1]! - (p ? 0 : this.e[k]!);
  }

  /** A stored stage's candidates that do not depend on what follows. */
  fixedA(k: number): number {
    return Math.max(this.pfr[k]!, this.t[k]! + this.a[k + 1]!);
  }

  /** A stored stage's backward candidates, before subtracting the segment's g_{l+1}. */
  fixedB(k: number, p: number): number {
    return Math.max(this.off(k, p) + this.h[k]! * this.a[k + 1]! + this.pb[k]!, p * this.a[k]!);
  }

  /** The last stage l of a head, pinned p. */
  single(l: number, p: number): number {
    const { a, t } = this;
    return Math.max(
      this.pfr[l]!,
      t[l]! + a[l + 1]!,
      t[l]! - (p ? 0 : this.e[l]!) + this.h[l]! * a[l + 1]! + this.pb[l]!,
      p * a[l]! - a[l + 1]!,
    );
  }

  /** The pin of an item starting at i: the stored stage before it keeps x_i in its tape. */
  private pinAfter(stored: Uint8Array, i: number): number {
    return i > 0 && stored[i - 1] ? this.h[i - 1]! : 0;
  }

  /** The peak of a member (bytes; equal to `predictPlan`'s peak of its plan). O(n). */
  peakOf(member: FamilyMember): number {
    const { stored, start } = member;
    let val = this.lossPeak;
    let i = this.n - 1;
    while (i >= 0) {
      if (stored[i]) {
        const p = this.pinAfter(stored, i);
        val = Math.max(this.fixedA(i), this.fixedB(i, p), this.off(i, p) + val);
        i--;
        continue;
      }
      let s = i;
      while (s > 0 && !start[s] && !stored[s - 1]) s--;
      const seg = new SegmentScan(this, s, this.pinAfter(stored, s));
      while (seg.last < i) seg.extend();
      val = Math.max(seg.sweep, this.a[i + 1]! + Math.max(val, seg.head()));
      i = s - 1;
    }
    return Math.max(0, val);
  }

  /** Σ forward time of the stages a member recomputes. */
  recomputeTime(member: FamilyMember): number {
    let time = 0;
    for (let i = 0; i < this.n; i++) if (!member.stored[i]) time += this.f[i]!;
    return time;
  }

  /**
   * The member of least peak; among the options reaching it from least-peak rests, the one
   * recomputing the least forward time (lexicographic, so a good fast one, not always the
   * fastest of least peak).
   */
  leastPeak(): LeastPeakMember {
    const { n, a, h, f } = this;
    const F = [new Float64Array(n + 1), new Float64Array(n + 1)];
    const T = [new Float64Array(n + 1), new Float64Array(n + 1)];
    const choice = [new Int32Array(n + 1), new Int32Array(n + 1)]; // −1: store; j: segment i..j−1
    F[0]![n] = F[1]![n] = this.lossPeak;
    for (let i = n - 1; i >= 0; i--) {
      for (let p = 0; p <= (i > 0 ? h[i - 1]! : 0); p++) {
        const hi = h[i]!;
        let best = Math.max(this.fixedA(i), this.fixedB(i, p), this.off(i, p) + F[hi]![i + 1]!);
        let bestTime = T[hi]![i + 1]!;
        let pick = -1;
        const seg = new SegmentScan(this, i, p);
        let recompute = f[i]!;
        for (let j = i + 1; j <= n; j++) {
          if (j > i + 1) seg.extend(), (recompute += f[j - 1]!);
          if (seg.lowerBound() > best) break;
          const v = Math.max(seg.sweep, a[j]! + Math.max(F[0]![j]!, seg.head()));
          const time = recompute + T[0]![j]!;
          if (v < best || (v === best && time < bestTime)) (best = v), (bestTime = time), (pick = j);
        }
        F[p]![i] = best;
        T[p]![i] = bestTime;
        choice[p]![i] = pick;
      }
    }
    const stored = new Uint8Array(n);
    const start = new Uint8Array(n);
    for (let i = 0, p = 0; i < n;) {
      const j = choice[p]![i]!;
      if (j < 0) (stored[i] = 1), (p = h[i]!), i++;
      else (start[i] = 1), (p = 0), (i = j);
    }
    return { stored, start, peak: Math.max(0, F[0]![0]!), recomputeTime: T[0]![0]! };
  }
}

/**
 * A segment i..last recomputed from x_i with pin p, grown one stage at a time: its head's
 * peak H(i, last, p), its untaped sweep's peak, and a lower bound of both for any longer
 * segment.
 */
class SegmentScan {
  last: number;
  /** Peak of the untaped sweep i..last, which keeps x_i and ends with x_{last+1}. */
  sweep: number;
  private S = 0; // usage above the head's start before stage `last`
  private pin: number; // pin of stage `last`
  private MA = -Infinity; // max over the head's chain nodes k of S_k + A_k
  private MB = -Infinity; // max over the head's chain nodes k of S_k + B_k
  private lastSingle: number; // single(last, pin)
  private lastA: number; // A_last

  constructor(private readonly m: FamilyModel, i: number, p: number) {
    this.last = i;
    this.pin = p;
    this.lastSingle = m.single(i, p);
    this.lastA = m.fixedA(i);
    this.sweep = Math.max(m.pfn[i]!, m.a[i + 1]!);
  }

  /** Adds stage last + 1; stage `last` becomes a chain node of the head. */
  extend(): void {
    const m = this.m, l = this.last, a = m.a;
    this.MA = Math.max(this.MA, this.S + this.lastA);
    this.MB = Math.max(this.MB, this.S + m.fixedB(l, this.pin));
    this.S += m.off(l, this.pin);
    this.pin = m.h[l]!;
    this.last = l + 1;
    this.lastSingle = m.single(l + 1, this.pin);
    this.lastA = m.fixedA(l + 1);
    // the untaped sweep now also runs stage l + 1, beside the kept x_{l+1}
    this.sweep = Math.max(this.sweep, a[l + 1]! + Math.max(m.pfn[l + 1]!, a[l + 2]!));
  }

  /** H(i, last, p): the head's peak above its start (x_i and g_{last+1} live). */
  head(): number {
    return Math.max(this.MA, this.MB - this.m.a[this.last + 1]!, this.S + this.lastSingle);
  }

  /** max(sweep, S_k + A_k over the head's stages): never above this or any longer segment's peak. */
  lowerBound(): number {
    return Math.max(this.sweep, this.MA, this.S + this.lastA);
  }
}
