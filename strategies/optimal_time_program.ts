/**
 * The discretised least-time program of `optimal`: memory cut into units of u bytes, a
 * table C[(i, l, p)][m] of the least time of segment [i, l] (pin p) with m units free,
 * filled by the recurrences of `Model`, and the schedule rebuilt by redoing a row's
 * comparisons. Units are exact (the gcd of all sizes) when affordable, else bytes / slots,
 * with a little overbooking checked against the exact peak.
 * @module
 */
import { InvalidArgument } from "@remat/core";
import type { Model } from "./optimal_model.ts";
import type { OptimalResult } from "./optimal.ts";
import type { Schedule } from "./schedule.ts";

/** Default number of units when exact units are unaffordable. */
export const OPTIMAL_DEFAULT_SLOTS = 500;

/** Fraction of extra units filled past the budget with inexact units (see `solve`). */
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

/**
 * Units up to which exact (gcd) units are used: about 1.5·10⁸ inner steps and 8·10⁶
 * table entries (64 MB), about a second; never below the default 500.
 */
function exactUnitsCap(model: Model): number {
  const { n } = model;
  let steps = 0;
  for (let i = 0; i <= n; i++) {
    for (let l = i; l <= n; l++) steps += (l - i + model.K) * (model.pinned[i] ? 2 : 1);
  }
  return Math.max(OPTIMAL_DEFAULT_SLOTS, Math.min(Math.floor(1.5e8 / steps), Math.floor(8e6 / model.rows)));
}

/** The most units a table may have (2^27 entries, 1 GiB, overbooking included). */
function mostUnits(model: Model): number {
  return Math.max(1, Math.floor((2 ** 27 / model.rows - 1) / (1 + OVERBOOK)));
}

/** Bytes per unit for a budget: exact (gcd) when affordable, else bytes / slots. */
export function unitFor(
  model: Model,
  bytes: number,
  slots: number | undefined,
): { u: number; exact: boolean } {
  const { n } = model;
  let g = 0;
  let integral = Number.isInteger(model.lossPeak);
  const add = (x: number) => {
    if (!Number.isInteger(x)) integral = false;
    else g = gcd(g, x);
  };
  add(model.lossPeak);
  for (let i = 0; i < n; i++) add(model.a[i + 1]!), add(model.pfn[i]!);
  for (let x = 0; x < n * model.K; x++) add(model.t[x]!), add(model.pfr[x]!), add(model.pb[x]!);
  if (g === 0) g = 1; // every size is 0: any unit is exact
  const exactUnits = Math.floor(bytes / g);
  const most = mostUnits(model);
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
  if (integral && exactUnits <= Math.min(exactUnitsCap(model), most)) return { u: g, exact: true };
  const u = Math.ceil(bytes / Math.min(OPTIMAL_DEFAULT_SLOTS, most));
  return { u, exact: integral && g % u === 0 };
}

/** The fastest schedule within `bytes` under the discretised program, or null if none is found. */
export function solve(
  model: Model,
  bytes: number,
  slots: number | undefined,
  overbook = OVERBOOK,
): OptimalResult | null {
  const { u, exact } = unitFor(model, bytes, slots);
  const M = Math.floor(bytes / u);
  // Inexact units: fill the table past the budget, then take the largest index whose
  // schedule's exact peak fits (indices ≤ M always do; a few above often do too, since
  // rounding up at every level overstates peaks).
  const Mx = exact ? M : M + Math.ceil(M * overbook);
  const table = fill(model, u, Mx);
  const top = model.rowOf(0, model.n, 0) * table.W;
  for (let m = Mx; m >= 0; m--) {
    const time = table.C[top + m]!;
    if (!(time < Infinity)) return null;
    const schedule = rebuild(model, table, 0, model.n, 0, m);
    const peakBytes = model.peakOf(schedule);
    if (m > M && peakBytes > bytes) continue;
    return { schedule, peakBytes, time, unitBytes: u, units: M, exact, via: "program" };
  }
  return null;
}

/** Fills the table C[(i, l, p)][m] for m = 0..M units of u bytes. */
function fill(model: Model, u: number, M: number): Table {
  const { n, a, f, K } = model;
  const W = M + 1;
  const C = new Float64Array(model.rows * W).fill(Infinity);
  const lo = new Int32Array(model.rows).fill(M + 1);
  const q = (x: number) => Math.max(0, ceilDiv(x, u));
  const qa = new Int32Array(n + 2);
  for (let k = 0; k <= n + 1; k++) qa[k] = q(a[k]!);
  const done = new Uint8Array(model.rows);
  for (let len = 0; len <= n; len++) {
    for (let i = 0; i + len <= n; i++) {
      const l = i + len;
      for (let p = 0; p <= 1; p++) {
        const r = model.rowOf(i, l, p);
        if (done[r]) continue;
        done[r] = 1;
        const base = r * W;
        let least = M + 1;
        if (i === n) {
          const k = q(model.lossP());
          for (let m = k; m <= M; m++) C[base + m] = model.lossTime;
          least = k;
        } else if (i === l) {
          for (let mu = 0; mu < K; mu++) {
            const k = q(model.singleP(i, p, mu)), time = model.tapedTime(i, mu);
            for (let m = k; m <= M; m++) if (time < C[base + m]!) C[base + m] = time;
            least = Math.min(least, k);
          }
        } else {
          // chain at i, in each mode
          for (let mu = 0; mu < K; mu++) {
            const rr = model.rowOf(i + 1, l, model.restPin(i, mu));
            const d = ceilDiv(model.chainOffset(i, p, mu), u);
            const from = Math.max(q(model.chainFixed(i, l, p, mu)), lo[rr]! + d);
            if (from > M) continue;
            const fb = model.tapedTime(i, mu);
            const rb = rr * W - d;
            // the rest's index m − d exceeds M only when the chain frees more than it
            // keeps (ē_i > t_i + a_{i+1}): clamp to M (conservative)
            const split = Math.min(M, M + d);
            for (let m = from; m <= split; m++) {
              const v = fb + C[rb + m]!;
              if (v < C[base + m]!) C[base + m] = v;
            }
            const rM = C[rr * W + M]!;
            for (let m = Math.max(from, split + 1); m <= M; m++) {
              if (fb + rM < C[base + m]!) C[base + m] = fb + rM;
            }
            least = Math.min(least, from);
          }
          // leaves at j
          let sweep = 0;
          let F = 0;
          for (let j = i + 1; j <= l; j++) {
            sweep = model.sweepStep(i, j, sweep);
            F += f[j - 1]!;
            const qs = q(sweep);
            if (qs > M) break;
            const tr = model.rowOf(j, l, 0);
            const hr = model.rowOf(i, j - 1, p);
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
function rebuild(model: Model, T: Table, i: number, l: number, p: number, m: number): Schedule {
  const { n, a, f, K } = model;
  const { u, M, W, C } = T;
  if (i === n) return { kind: "loss" };
  const q = (x: number) => Math.max(0, ceilDiv(x, u));
  const target = C[model.rowOf(i, l, p) * W + m]!;
  if (i === l) {
    for (let mu = 0; mu < K; mu++) {
      if (m >= q(model.singleP(i, p, mu)) && model.tapedTime(i, mu) === target) return model.tapedNode(i, mu);
    }
    throw new Error(`optimal: internal error: no mode reproduces the table at [${i}, ${i}], ${m} units`);
  }
  for (let mu = 0; mu < K; mu++) {
    const pin = model.restPin(i, mu);
    const rr = model.rowOf(i + 1, l, pin);
    const d = ceilDiv(model.chainOffset(i, p, mu), u);
    const mr = Math.min(M, m - d);
    if (
      m >= q(model.chainFixed(i, l, p, mu)) && mr >= 0 && model.tapedTime(i, mu) + C[rr * W + mr]! === target
    ) {
      return model.tapedNode(i, mu, rebuild(model, T, i + 1, l, pin, mr));
    }
  }
  let sweep = 0;
  let F = 0;
  for (let j = i + 1; j <= l; j++) {
    sweep = model.sweepStep(i, j, sweep);
    F += f[j - 1]!;
    if (q(sweep) > m) break;
    const dA = q(a[j]!);
    const dH = ceilDiv(a[j]! - a[l + 1]!, u);
    const mt = m - dA;
    const mh = Math.min(M, m - dH);
    if (mt < 0 || mh < 0) continue;
    const tr = model.rowOf(j, l, 0);
    const hr = model.rowOf(i, j - 1, p);
    if (F + C[tr * W + mt]! + C[hr * W + mh]! === target) {
      return {
        kind: "leaf",
        from: i,
        to: j,
        tail: rebuild(model, T, j, l, 0, mt),
        head: rebuild(model, T, i, j - 1, p, mh),
      };
    }
  }
  throw new Error(`optimal: internal error: no choice reproduces the table at [${i}, ${l}], ${m} units`);
}
