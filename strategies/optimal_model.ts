/**
 * The model behind `optimal`: the profile as flat arrays, the segment recurrences of the
 * memory model documented in `optimal.ts`, the peak and time of a schedule, and the
 * least-peak program. The discretised least-time program is in `optimal_time_program.ts`.
 * @module
 */
import type { Profile } from "@remat/core";
import type { Schedule } from "./schedule.ts";

/** The profile as flat arrays, the segment recurrences, and the dynamic programs. */
export class Model {
  readonly n: number;
  /** a[k] = bytes of x_k, k = 0..n+1 (a[0] = a[n+1] = 0). */
  readonly a: Float64Array;
  readonly t: Float64Array;
  /** ē_i: what freeing x_i frees once tape i exists (0 for i = 0). */
  readonly e: Float64Array;
  readonly hOut: Uint8Array;
  readonly pfr: Float64Array;
  readonly pfn: Float64Array;
  readonly pb: Float64Array;
  readonly f: Float64Array;
  readonly b: Float64Array;
  readonly lossPeak: number;
  readonly lossTime: number;
  /** pinned[i]: segments starting at i can be pinned and then differ from unpinned ones. */
  readonly pinned: Uint8Array;
  /** Row of (i, l, p) in the tables; pinned rows alias unpinned ones where they cannot differ. */
  readonly row: Int32Array;
  readonly rows: number;
  private minPeaks: { peak: Float64Array; time: Float64Array } | null = null;

  constructor(profile: Profile) {
    const st = profile.stages;
    const n = (this.n = st.length);
    this.a = new Float64Array(n + 2);
    this.t = new Float64Array(n);
    this.e = new Float64Array(n + 1);
    this.hOut = new Uint8Array(n);
    this.pfr = new Float64Array(n);
    this.pfn = new Float64Array(n);
    this.pb = new Float64Array(n);
    this.f = new Float64Array(n);
    this.b = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = st[i]!;
      this.a[i + 1] = s.outputBytes;
      this.t[i] = s.tapeBytes;
      this.hOut[i] = s.tapeHoldsOutput ? 1 : 0;
      this.pfr[i] = s.forwardPeakRecord;
      this.pfn[i] = s.forwardPeakDiscard;
      this.pb[i] = s.backwardPeak;
      this.f[i] = s.forwardTime;
      this.b[i] = s.backwardTime;
    }
    for (let i = 1; i < n; i++) this.e[i] = st[i]!.tapeHoldsInput ? 0 : this.a[i]!;
    this.lossPeak = profile.loss.peak;
    this.lossTime = profile.loss.time;
    this.pinned = new Uint8Array(n + 1);
    for (let i = 1; i < n; i++) {
      const a = this.a;
      const differs = this.e[i]! > 0 || this.pb[i]! + this.t[i]! + a[i + 1]! * (1 + this.hOut[i]!) < a[i]!;
      this.pinned[i] = this.hOut[i - 1]! && differs ? 1 : 0;
    }
    const N = n + 1;
    this.row = new Int32Array(N * N * 2).fill(-1);
    let r = 0;
    for (let i = 0; i <= n; i++) for (let l = i; l <= n; l++) this.row[(i * N + l) * 2] = r++;
    for (let i = 0; i <= n; i++) {
      for (let l = i; l <= n; l++) {
        this.row[(i * N + l) * 2 + 1] = this.pinned[i] ? r++ : this.row[(i * N + l) * 2]!;
      }
    }
    this.rows = r;
  }

  rowOf(i: number, l: number, p: number): number {
    return this.row[(i * (this.n + 1) + l) * 2 + p]!;
  }

  // --- the recurrences' constant parts, in bytes -----------------------------------------

  /** Peak of the loss segment. */
  lossP(): number {
    return Math.max(this.lossPeak, this.a[this.n]!);
  }

  /** Peak of single [i, i] with pin p. */
  singleP(i: number, p: number): number {
    const { a, t } = this;
    const e = p ? 0 : this.e[i]!;
    return Math.max(
      this.pfr[i]!,
      t[i]! + a[i + 1]!,
      t[i]! - e + this.hOut[i]! * a[i + 1]! + this.pb[i]!,
      p * a[i]! - a[i + 1]!,
    );
  }

  /** Usage above the start while a chain at i runs its rest. */
  chainOffset(i: number, p: number): number {
    return this.t[i]! + this.a[i + 1]! - (p ? 0 : this.e[i]!);
  }

  /** The chain's peak candidates that do not depend on the rest. */
  chainFixed(i: number, l: number, p: number): number {
    const { a, t } = this;
    return Math.max(
      this.pfr[i]!,
      t[i]! + a[i + 1]!,
      this.chainOffset(i, p) + this.hOut[i]! * a[i + 1]! - a[l + 1]! + this.pb[i]!,
      p * a[i]! - a[l + 1]!,
    );
  }

  /** The untaped sweep's peak for leaf forwards i..j−1, given the sweep up to j−1. */
  sweepStep(i: number, j: number, prev: number): number {
    const { a } = this;
    if (j === i + 1) return Math.max(this.pfn[i]!, a[i + 1]!);
    const k = j - 1;
    return Math.max(prev, a[k]! + Math.max(this.pfn[k]!, a[k + 1]!));
  }

  // --- a given schedule ------------------------------------------------------------------

  /** Segment bounds [i, l] of a schedule node. */
  private bounds(s: Schedule): [number, number] {
    switch (s.kind) {
      case "loss":
        return [this.n, this.n];
      case "single":
        return [s.stage, s.stage];
      case "chain":
        return [s.stage, this.bounds(s.rest)[1]];
      case "leaf":
        return [s.from, this.bounds(s.tail)[1]];
    }
  }

  /** Model peak of the whole schedule (it solves [0, n]). */
  peakOf(s: Schedule): number {
    return Math.max(0, this.segPeak(s, 0));
  }

  private segPeak(s: Schedule, p: number): number {
    switch (s.kind) {
      case "loss":
        return this.lossP();
      case "single":
        return this.singleP(s.stage, p);
      case "chain": {
        const i = s.stage;
        const l = this.bounds(s)[1];
        return Math.max(
          this.chainFixed(i, l, p),
          this.chainOffset(i, p) + this.segPeak(s.rest, this.hOut[i]!),
        );
      }
      case "leaf": {
        const { from: i, to: j } = s;
        const l = this.bounds(s)[1];
        let sweep = 0;
        for (let k = i + 1; k <= j; k++) sweep = this.sweepStep(i, k, sweep);
        const a = this.a;
        return Math.max(sweep, a[j]! + this.segPeak(s.tail, 0), a[j]! - a[l + 1]! + this.segPeak(s.head, p));
      }
    }
  }

  /** Model time of a schedule. */
  timeOf(s: Schedule): number {
    switch (s.kind) {
      case "loss":
        return this.lossTime;
      case "single":
        return this.f[s.stage]! + this.b[s.stage]!;
      case "chain":
        return this.f[s.stage]! + this.b[s.stage]! + this.timeOf(s.rest);
      case "leaf": {
        let F = 0;
        for (let k = s.from; k < s.to; k++) F += this.f[k]!;
        return F + this.timeOf(s.tail) + this.timeOf(s.head);
      }
    }
  }

  // --- least peak over the class ---------------------------------------------------------

  /** The exact least peak of [0, n] over all schedules (bytes). */
  minPeak(): number {
    return Math.max(0, this.minPeakTables().peak[this.rowOf(0, this.n, 0)]!);
  }

  /**
   * Per row, the least peak and, among the choices reaching it from least-peak parts, the
   * least time (lexicographic: not the fastest least-peak schedule in general, since a
   * choice can let its parts exceed their own least peak, but a good one).
   */
  private minPeakTables(): { peak: Float64Array; time: Float64Array } {
    if (this.minPeaks) return this.minPeaks;
    const { n, a, f, b } = this;
    const mp = new Float64Array(this.rows).fill(Infinity);
    const mt = new Float64Array(this.rows).fill(Infinity);
    for (let len = 0; len <= n; len++) {
      for (let i = 0; i + len <= n; i++) {
        const l = i + len;
        for (let p = 0; p <= (this.pinned[i] ? 1 : 0); p++) {
          const r = this.rowOf(i, l, p);
          if (i === n) {
            mp[r] = this.lossP();
            mt[r] = this.lossTime;
            continue;
          }
          if (i === l) {
            mp[r] = this.singleP(i, p);
            mt[r] = f[i]! + b[i]!;
            continue;
          }
          const rr = this.rowOf(i + 1, l, this.hOut[i]!);
          let best = Math.max(this.chainFixed(i, l, p), this.chainOffset(i, p) + mp[rr]!);
          let bestTime = f[i]! + b[i]! + mt[rr]!;
          let sweep = 0;
          let F = 0;
          for (let j = i + 1; j <= l; j++) {
            sweep = this.sweepStep(i, j, sweep);
            F += f[j - 1]!;
            if (sweep > best) break;
            const tr = this.rowOf(j, l, 0), hr = this.rowOf(i, j - 1, p);
            const v = Math.max(sweep, a[j]! + mp[tr]!, a[j]! - a[l + 1]! + mp[hr]!);
            const time = F + mt[tr]! + mt[hr]!;
            if (v < best || (v === best && time < bestTime)) (best = v), (bestTime = time);
          }
          mp[r] = best;
          mt[r] = bestTime;
        }
      }
    }
    return (this.minPeaks = { peak: mp, time: mt });
  }

  /** A schedule of least peak (the lexicographic one of `minPeakTables`). */
  minPeakSchedule(): Schedule {
    const { peak: mp, time: mt } = this.minPeakTables();
    const { n, a, f, b } = this;
    const build = (i: number, l: number, p: number): Schedule => {
      if (i === n) return { kind: "loss" };
      if (i === l) return { kind: "single", stage: i };
      const r = this.rowOf(i, l, p);
      const rr = this.rowOf(i + 1, l, this.hOut[i]!);
      const chain = Math.max(this.chainFixed(i, l, p), this.chainOffset(i, p) + mp[rr]!);
      if (chain === mp[r] && f[i]! + b[i]! + mt[rr]! === mt[r]) {
        return { kind: "chain", stage: i, rest: build(i + 1, l, this.hOut[i]!) };
      }
      let sweep = 0;
      let F = 0;
      for (let j = i + 1; j <= l; j++) {
        sweep = this.sweepStep(i, j, sweep);
        F += f[j - 1]!;
        const tr = this.rowOf(j, l, 0), hr = this.rowOf(i, j - 1, p);
        const v = Math.max(sweep, a[j]! + mp[tr]!, a[j]! - a[l + 1]! + mp[hr]!);
        if (v === mp[r] && F + mt[tr]! + mt[hr]! === mt[r]) {
          return { kind: "leaf", from: i, to: j, tail: build(j, l, 0), head: build(i, j - 1, p) };
        }
      }
      throw new Error(`optimal: internal error: no least-peak choice for [${i}, ${l}]`);
    };
    return build(0, n, 0);
  }
}
