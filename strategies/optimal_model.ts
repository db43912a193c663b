/**
 * The model behind `optimal`: the profile as flat arrays, the segment recurrences of the
 * memory model documented in `optimal.ts`, the peak and time of a schedule, and the
 * least-peak program. The discretised least-time program is in `optimal_time_program.ts`.
 *
 * Modes: with op granularity a taped stage (a `chain` or `single` node) can be recorded
 * whole (mode 0) or under each tape policy the profile measured (`StageProfile.modes`), each
 * with its own tape bytes, held input and output, forward and backward peaks, and backward
 * time (the re-runs included). Mode-dependent quantities are stored with stride `K` (modes
 * per stage; a stage with fewer repeats its whole tape), and the programs take the best mode
 * wherever a stage is taped.
 * @module
 */
import type { Profile, TapePolicy } from "@remat/core";
import type { Schedule } from "./schedule.ts";

/** How finely `optimal` chooses: whole stages only, or also each stage's tape policy. */
export type Granularity = "op" | "stage";

/** The profile as flat arrays, the segment recurrences, and the dynamic programs. */
export class Model {
  readonly n: number;
  /** Modes per stage (the stride of the mode-dependent arrays); 1 with stage granularity. */
  readonly K: number;
  /** a[k] = bytes of x_k, k = 0..n+1 (a[0] = a[n+1] = 0). */
  readonly a: Float64Array;
  /** Per (i, mode): tape bytes. */
  readonly t: Float64Array;
  /** Per (i, mode): ē_i, what freeing x_i frees once tape i exists (0 for i = 0). */
  readonly e: Float64Array;
  /** Per (i, mode): whether the tape holds x_{i+1}. */
  readonly hOut: Uint8Array;
  /** Per (i, mode): forward peak with the tape. */
  readonly pfr: Float64Array;
  readonly pfn: Float64Array;
  /** Per (i, mode): backward peak. */
  readonly pb: Float64Array;
  readonly f: Float64Array;
  /** Per (i, mode): backward time, the re-runs of a partial tape included. */
  readonly b: Float64Array;
  /** Per (i, mode): the tape policy (undefined: the whole tape). */
  readonly policy: Array<TapePolicy | undefined>;
  readonly lossPeak: number;
  readonly lossTime: number;
  /** pinned[i]: segments starting at i can be pinned and then differ from unpinned ones. */
  readonly pinned: Uint8Array;
  /** Row of (i, l, p) in the tables; pinned rows alias unpinned ones where they cannot differ. */
  readonly row: Int32Array;
  readonly rows: number;
  private minPeaks: { peak: Float64Array; time: Float64Array } | null = null;

  constructor(profile: Profile, granularity: Granularity = "stage") {
    const st = profile.stages;
    const n = (this.n = st.length);
    const K = (this.K = granularity === "op" ? 1 + Math.max(0, ...st.map((s) => s.modes?.length ?? 0)) : 1);
    this.a = new Float64Array(n + 2);
    this.t = new Float64Array(n * K);
    this.e = new Float64Array((n + 1) * K);
    this.hOut = new Uint8Array(n * K);
    this.pfr = new Float64Array(n * K);
    this.pfn = new Float64Array(n);
    this.pb = new Float64Array(n * K);
    this.f = new Float64Array(n);
    this.b = new Float64Array(n * K);
    this.policy = new Array(n * K).fill(undefined);
    for (let i = 0; i < n; i++) {
      const s = st[i]!;
      this.a[i + 1] = s.outputBytes;
      this.pfn[i] = s.forwardPeakDiscard;
      this.f[i] = s.forwardTime;
      for (let mu = 0; mu < K; mu++) {
        // mode 0 is the whole tape; a stage with fewer modes repeats it
        const m = mu === 0 ? undefined : s.modes?.[mu - 1];
        const x = i * K + mu;
        this.t[x] = m ? m.tapeBytes : s.tapeBytes;
        this.hOut[x] = (m ? m.tapeHoldsOutput : s.tapeHoldsOutput) ? 1 : 0;
        this.pfr[x] = m ? m.forwardPeakRecord : s.forwardPeakRecord;
        this.pb[x] = m ? m.backwardPeak : s.backwardPeak;
        this.b[x] = s.backwardTime + (m ? m.replayTime : 0);
        this.policy[x] = m?.policy;
      }
    }
    for (let i = 1; i < n; i++) {
      for (let mu = 0; mu < K; mu++) {
        const m = mu === 0 ? undefined : st[i]!.modes?.[mu - 1];
        this.e[i * K + mu] = (m ? m.tapeHoldsInput : st[i]!.tapeHoldsInput) ? 0 : this.a[i]!;
      }
    }
    this.lossPeak = profile.loss.peak;
    this.lossTime = profile.loss.time;
    this.pinned = new Uint8Array(n + 1);
    for (let i = 1; i < n; i++) {
      const a = this.a;
      let before = 0, differs = false;
      for (let mu = 0; mu < K; mu++) {
        const x = i * K + mu;
        before ||= this.hOut[(i - 1) * K + mu]!;
        differs ||= this.e[x]! > 0 || this.pb[x]! + this.t[x]! + a[i + 1]! * (1 + this.hOut[x]!) < a[i]!;
      }
      this.pinned[i] = before && differs ? 1 : 0;
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

  /** Peak of single [i, i] with pin p, stage i taped in mode mu. */
  singleP(i: number, p: number, mu = 0): number {
    const { a, t } = this;
    const x = i * this.K + mu;
    const e = p ? 0 : this.e[x]!;
    return Math.max(
      this.pfr[x]!,
      t[x]! + a[i + 1]!,
      t[x]! - e + this.hOut[x]! * a[i + 1]! + this.pb[x]!,
      p * a[i]! - a[i + 1]!,
    );
  }

  /** Usage above the start while a chain at i (mode mu) runs its rest. */
  chainOffset(i: number, p: number, mu = 0): number {
    const x = i * this.K + mu;
    return this.t[x]! + this.a[i + 1]! - (p ? 0 : this.e[x]!);
  }

  /** The chain's peak candidates that do not depend on the rest. */
  chainFixed(i: number, l: number, p: number, mu = 0): number {
    const { a, t } = this;
    const x = i * this.K + mu;
    return Math.max(
      this.pfr[x]!,
      t[x]! + a[i + 1]!,
      this.chainOffset(i, p, mu) + this.hOut[x]! * a[i + 1]! - a[l + 1]! + this.pb[x]!,
      p * a[i]! - a[l + 1]!,
    );
  }

  /** The pin of a chain's rest: whether tape i (mode mu) holds x_{i+1}. */
  restPin(i: number, mu: number): number {
    return this.hOut[i * this.K + mu]!;
  }

  /** f_i + b_i of stage i taped in mode mu. */
  tapedTime(i: number, mu: number): number {
    return this.f[i]! + this.b[i * this.K + mu]!;
  }

  /** The mode of a schedule node's policy (0 for the whole tape). */
  modeOf(i: number, policy: TapePolicy | undefined): number {
    if (policy === undefined || policy === "saveAll") return 0;
    for (let mu = 1; mu < this.K; mu++) if (this.policy[i * this.K + mu] === policy) return mu;
    throw new Error(`optimal: stage ${i} has no mode "${policy}" in this model`);
  }

  /** A chain or single node of stage i in mode mu (its policy named unless it is the whole tape). */
  tapedNode(i: number, mu: number, rest?: Schedule): Schedule {
    const policy = this.policy[i * this.K + mu];
    const node: Schedule = rest ? { kind: "chain", stage: i, rest } : { kind: "single", stage: i };
    return policy === undefined ? node : { ...node, policy };
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
        return this.singleP(s.stage, p, this.modeOf(s.stage, s.policy));
      case "chain": {
        const i = s.stage;
        const l = this.bounds(s)[1];
        const mu = this.modeOf(i, s.policy);
        return Math.max(
          this.chainFixed(i, l, p, mu),
          this.chainOffset(i, p, mu) + this.segPeak(s.rest, this.restPin(i, mu)),
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
        return this.tapedTime(s.stage, this.modeOf(s.stage, s.policy));
      case "chain":
        return this.tapedTime(s.stage, this.modeOf(s.stage, s.policy)) + this.timeOf(s.rest);
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
    const { n, a, f, K } = this;
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
          let best = Infinity, bestTime = Infinity;
          const consider = (v: number, time: number) => {
            if (v < best || (v === best && time < bestTime)) (best = v), (bestTime = time);
          };
          if (i === l) {
            for (let mu = 0; mu < K; mu++) consider(this.singleP(i, p, mu), this.tapedTime(i, mu));
            mp[r] = best;
            mt[r] = bestTime;
            continue;
          }
          for (let mu = 0; mu < K; mu++) {
            const rr = this.rowOf(i + 1, l, this.restPin(i, mu));
            consider(
              Math.max(this.chainFixed(i, l, p, mu), this.chainOffset(i, p, mu) + mp[rr]!),
              this.tapedTime(i, mu) + mt[rr]!,
            );
          }
          let sweep = 0;
          let F = 0;
          for (let j = i + 1; j <= l; j++) {
            sweep = this.sweepStep(i, j, sweep);
            F += f[j - 1]!;
            if (sweep > best) break;
            const tr = this.rowOf(j, l, 0), hr = this.rowOf(i, j - 1, p);
            consider(Math.max(sweep, a[j]! + mp[tr]!, a[j]! - a[l + 1]! + mp[hr]!), F + mt[tr]! + mt[hr]!);
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
    const { n, a, f, K } = this;
    const build = (i: number, l: number, p: number): Schedule => {
      if (i === n) return { kind: "loss" };
      const r = this.rowOf(i, l, p);
      if (i === l) {
        for (let mu = 0; mu < K; mu++) {
          if (this.singleP(i, p, mu) === mp[r] && this.tapedTime(i, mu) === mt[r]) {
            return this.tapedNode(i, mu);
          }
        }
        throw new Error(`optimal: internal error: no least-peak mode for [${i}, ${i}]`);
      }
      for (let mu = 0; mu < K; mu++) {
        const pin = this.restPin(i, mu), rr = this.rowOf(i + 1, l, pin);
        const chain = Math.max(this.chainFixed(i, l, p, mu), this.chainOffset(i, p, mu) + mp[rr]!);
        if (chain === mp[r] && this.tapedTime(i, mu) + mt[rr]! === mt[r]) {
          return this.tapedNode(i, mu, build(i + 1, l, pin));
        }
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
