/**
 * The dynamic program behind `optimal`: the profile as flat arrays, the segment recurrences
 * of the memory model documented in `optimal.ts`, the least-peak program, and the
 * discretised least-time program with its schedule reconstruction.
 * @module
 */
import { InvalidArgument, type Profile } from "@remat/core";
import type { Schedule } from "./schedule.ts";
import type { OptimalResult } from "./optimal.ts";

/** Default number of units when exact units are unaffordable. */
export const OPTIMAL_DEFAULT_SLOTS = 500;

/** Fraction of extra units filled past the budget with inexact units (see `Model.solve`). */
const OVERBOOK = 0.1;

function gcd(x: number, y: number): number {
  while (y) [x, y] = [y, x % y];
  return x;
}

/** ⌈x / u⌉ for integers (or any reals), exact even where x / u rounds. */
function ceilDiv(x: number, u: number): number {
  let c = Math.ceil(x / u);
  while (c * u < x) c++;
  while ((c - 1) * u >= x) c--;
  return c;
}

/** A solved table: C[row·W + m] = least time with m units free (Infinity: none fits). */
interface Table {
  readonly u: number;
  readonly M: number;
  readonly W: number;
  readonly C: Float64Array;
  /** Least units each row needs (M + 1: none within M). */
  readonly lo: Int32Array;
}

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

  // --- the time program ------------------------------------------------------------------

  /**
   * Units up to which exact (gcd) units are used: about 1.5·10⁸ inner steps and 8·10⁶
   * table entries (64 MB), about a second; never below the default 500.
   */
  exactUnitsCap(): number {
    const { n } = this;
    let steps = 0;
    for (let i = 0; i <= n; i++) for (let l = i; l <= n; l++) steps += (l - i + 1) * (this.pinned[i] ? 2 : 1);
    return Math.max(OPTIMAL_DEFAULT_SLOTS, Math.min(Math.floor(1.5e8 / steps), Math.floor(8e6 / this.rows)));
  }

  /** The most units a table may have (2^27 entries, 1 GiB, overbooking included). */
  mostUnits(): number {
    return Math.max(1, Math.floor((2 ** 27 / this.rows - 1) / (1 + OVERBOOK)));
  }

  /** Bytes per unit for a budget: exact (gcd) when affordable, else bytes / slots. */
  unitFor(bytes: number, slots: number | undefined): { u: number; exact: boolean } {
    const { n } = this;
    let g = 0;
    let integral = Number.isInteger(this.lossPeak);
    const add = (x: number) => {
      if (!Number.isInteger(x)) integral = false;
      else g = gcd(g, x);
    };
    add(this.lossPeak);
    for (let i = 0; i < n; i++) {
      add(this.a[i + 1]!), add(this.t[i]!), add(this.pfr[i]!), add(this.pfn[i]!), add(this.pb[i]!);
    }
    if (g === 0) g = 1; // every size is 0: any unit is exact
    const exactUnits = Math.floor(bytes / g);
    const most = this.mostUnits();
    if (slots !== undefined) {
      if (slots > most && !(integral && exactUnits <= slots && exactUnits <= most)) {
        throw new InvalidArgument({
          name: "slots",
          value: slots,
          expected: `at most ${most} units for ${n} stages (a table of 2^27 entries)`,
        });
      }
      const u = Math.ceil(bytes / slots);
      return integral && g >= u ? { u: g, exact: true } : { u, exact: integral && g % u === 0 };
    }
    if (integral && exactUnits <= Math.min(this.exactUnitsCap(), most)) return { u: g, exact: true };
    const u = Math.ceil(bytes / Math.min(OPTIMAL_DEFAULT_SLOTS, most));
    return { u, exact: integral && g % u === 0 };
  }

  /** The fastest schedule within `bytes` under the discretised program, or null if none is found. */
  solve(bytes: number, slots: number | undefined, overbook = OVERBOOK): OptimalResult | null {
    const { u, exact } = this.unitFor(bytes, slots);
    const M = Math.floor(bytes / u);
    // Inexact units: fill the table past the budget, then take the largest index whose
    // schedule's exact peak fits (indices ≤ M always do; a few above often do too, since
    // rounding up at every level overstates peaks).
    const Mx = exact ? M : M + Math.ceil(M * overbook);
    const table = this.fill(u, Mx);
    const top = this.rowOf(0, this.n, 0) * table.W;
    for (let m = Mx; m >= 0; m--) {
      const time = table.C[top + m]!;
      if (!(time < Infinity)) return null;
      const schedule = this.rebuild(table, 0, this.n, 0, m);
      const peakBytes = this.peakOf(schedule);
      if (m > M && peakBytes > bytes) continue;
      return { schedule, peakBytes, time, unitBytes: u, units: M, exact, via: "program" };
    }
    return null;
  }

  /** Fills the table C[(i, l, p)][m] for m = 0..M units of u bytes. */
  private fill(u: number, M: number): Table {
    const { n, a, f, b } = this;
    const W = M + 1;
    const C = new Float64Array(this.rows * W).fill(Infinity);
    const lo = new Int32Array(this.rows).fill(M + 1);
    const q = (x: number) => Math.max(0, ceilDiv(x, u));
    const qa = new Int32Array(n + 2);
    for (let k = 0; k <= n + 1; k++) qa[k] = q(a[k]!);
    const done = new Uint8Array(this.rows);
    for (let len = 0; len <= n; len++) {
      for (let i = 0; i + len <= n; i++) {
        const l = i + len;
        for (let p = 0; p <= 1; p++) {
          const r = this.rowOf(i, l, p);
          if (done[r]) continue;
          done[r] = 1;
          const base = r * W;
          let least = M + 1;
          if (i === n || i === l) {
            const k = i === n ? q(this.lossP()) : q(this.singleP(i, p));
            const time = i === n ? this.lossTime : f[i]! + b[i]!;
            for (let m = k; m <= M; m++) C[base + m] = time;
            least = k;
          } else {
            // chain at i
            const rr = this.rowOf(i + 1, l, this.hOut[i]!);
            const d = ceilDiv(this.chainOffset(i, p), u);
            const from = Math.max(q(this.chainFixed(i, l, p)), lo[rr]! + d);
            if (from <= M) {
              const fb = f[i]! + b[i]!;
              const rb = rr * W - d;
              // the rest's index m − d exceeds M only when the chain frees more than it
              // keeps (ē_i > t_i + a_{i+1}): clamp to M (conservative)
              const split = Math.min(M, M + d);
              for (let m = from; m <= split; m++) C[base + m] = fb + C[rb + m]!;
              const rM = C[rr * W + M]!;
              for (let m = Math.max(from, split + 1); m <= M; m++) C[base + m] = fb + rM;
              least = from;
            }
            // leaves at j
            let sweep = 0;
            let F = 0;
            for (let j = i + 1; j <= l; j++) {
              sweep = this.sweepStep(i, j, sweep);
              F += f[j - 1]!;
              const qs = q(sweep);
              if (qs > M) break;
              const tr = this.rowOf(j, l, 0);
              const hr = this.rowOf(i, j - 1, p);
              const dA = qa[j]!;
              const dH = ceilDiv(a[j]! - a[l + 1]!, u);
              if (lo[tr]! > M || lo[hr]! > M) continue;
              const start = Math.max(qs, lo[tr]! + dA, lo[hr]! + dH);
              if (start > M) continue;
              if (start < least) least = start;
              const tb = tr * W - dA;
              const hb = hr * W - dH;
              // the head's index m − dH exceeds M only when a_{l+1} > a_j: clamp to M (conservative)
              const split = Math.min(M, M + dH);
              for (let m = start; m <= split; m++) {
                const v = F + C[tb + m]! + C[hb + m]!;
                if (v < C[base + m]!) C[base + m] = v;
              }
              if (split < M) {
                const hM = C[hr * W + M]!;
                for (let m = Math.max(start, split + 1); m <= M; m++) {
                  const v = F + C[tb + m]! + hM;
                  if (v < C[base + m]!) C[base + m] = v;
                }
              }
            }
          }
          lo[r] = least;
        }
      }
    }
    return { u, M, W, C, lo };
  }

  /** The schedule achieving C[(i, l, p)][m], chosen by redoing the row's comparisons. */
  private rebuild(T: Table, i: number, l: number, p: number, m: number): Schedule {
    const { n, a, f, b } = this;
    const { u, M, W, C } = T;
    if (i === n) return { kind: "loss" };
    if (i === l) return { kind: "single", stage: i };
    const target = C[this.rowOf(i, l, p) * W + m]!;
    const rr = this.rowOf(i + 1, l, this.hOut[i]!);
    const d = ceilDiv(this.chainOffset(i, p), u);
    const q = (x: number) => Math.max(0, ceilDiv(x, u));
    const mr = Math.min(M, m - d);
    if (m >= q(this.chainFixed(i, l, p)) && mr >= 0 && f[i]! + b[i]! + C[rr * W + mr]! === target) {
      return { kind: "chain", stage: i, rest: this.rebuild(T, i + 1, l, this.hOut[i]!, mr) };
    }
    let sweep = 0;
    let F = 0;
    for (let j = i + 1; j <= l; j++) {
      sweep = this.sweepStep(i, j, sweep);
      F += f[j - 1]!;
      if (q(sweep) > m) break;
      const dA = q(a[j]!);
      const dH = ceilDiv(a[j]! - a[l + 1]!, u);
      const mt = m - dA;
      const mh = Math.min(M, m - dH);
      if (mt < 0 || mh < 0) continue;
      const tr = this.rowOf(j, l, 0);
      const hr = this.rowOf(i, j - 1, p);
      if (F + C[tr * W + mt]! + C[hr * W + mh]! === target) {
        return {
          kind: "leaf",
          from: i,
          to: j,
          tail: this.rebuild(T, j, l, 0, mt),
          head: this.rebuild(T, i, j - 1, p, mh),
        };
      }
    }
    throw new Error(`optimal: internal error: no choice reproduces the table at [${i}, ${l}], ${m} units`);
  }
}
