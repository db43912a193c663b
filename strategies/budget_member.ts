/**
 * The schedules of `budget`'s family: every stage stored (taped in the one forward sweep)
 * or recomputed once, runs of recomputed stages cut into segments by size, each segment
 * recomputed from its first input just before its backward.
 * @module
 */
import { chainSegment, type Schedule } from "./schedule.ts";

/**
 * Segment starts of the recomputed stages: the first stage of every run of them, and a
 * stage where the segment's bytes Σ(t_i + a_{i+1}) would pass L.
 */
export function segmentsBySize(stored: Uint8Array, weight: Float64Array, L: number): Uint8Array {
  const n = stored.length;
  const start = new Uint8Array(n);
  let run = 0;
  for (let i = 0; i < n; i++) {
    if (stored[i]) continue;
    if (i === 0 || stored[i - 1] || (run > 0 && run + weight[i]! > L)) (start[i] = 1), (run = 0);
    run += weight[i]!;
  }
  return start;
}

/**
 * The schedule storing the flagged stages and recomputing the others once, each segment of
 * recomputed stages from its first stage's input (`start` flags them; the first of a run
 * must be flagged). Built from the end without recursion (the nesting is as deep as the
 * chain is long). With stored stages forming a suffix this is `checkpointSchedule`'s tree.
 */
export function memberSchedule(stored: Uint8Array, start: Uint8Array): Schedule {
  const n = stored.length;
  let s: Schedule = { kind: "loss" };
  let i = n - 1;
  while (i >= 0) {
    if (stored[i]) {
      s = { kind: "chain", stage: i, rest: s };
      i--;
      continue;
    }
    let p = i;
    while (p > 0 && !start[p] && !stored[p - 1]) p--;
    s = { kind: "leaf", from: p, to: i + 1, tail: s, head: chainSegment(p, i) };
    i = p - 1;
  }
  return s;
}
