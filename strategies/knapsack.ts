/**
 * 0-1 knapsacks solved for every capacity at once, the selection step of `budget`: items
 * are stages, value the forward time storing one saves, weight the bytes it keeps. An exact
 * dynamic program over discretised capacity, and a greedy order for very long chains.
 * @module
 */

/** Default units of the dynamic program's discretised capacity. */
export const DP_UNITS = 1000;

/** A knapsack solved for every capacity 0..max: `select(c)` flags the stages stored at capacity c. */
export interface Knapsack {
  /** The largest capacity (in the solver's units: items for greedy, discretised bytes for the DP). */
  readonly max: number;
  /** Flags of the items taken at `capacity` (0..max). */
  select(capacity: number): Uint8Array;
}

/** Greedy by value/weight (zero weights first, ties: later stages first); capacity = items taken. */
export function greedyKnapsack(value: Float64Array, weight: Float64Array): Knapsack {
  const n = value.length;
  const ratio = (i: number) => (weight[i]! > 0 ? value[i]! / weight[i]! : Infinity);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ratio(b) - ratio(a) || b - a);
  return {
    max: n,
    select(c) {
      const stored = new Uint8Array(n);
      for (let k = 0; k < c; k++) stored[order[k]!] = 1;
      return stored;
    },
  };
}

/**
 * The exact 0-1 knapsack over a capacity cut into `units` units of Σ weight / units
 * (weights rounded up), for every capacity at once; ties go to later items, zero-value
 * items are never taken.
 */
export function dpKnapsack(value: Float64Array, weight: Float64Array, units = DP_UNITS): Knapsack {
  const n = value.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += weight[i]!;
  const unit = total > 0 ? total / units : 1;
  const q = new Int32Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) (q[i] = Math.ceil(weight[i]! / unit - 1e-9)), (max += q[i]!);
  const width = max + 1;
  const best = new Float64Array(width);
  const take = new Uint8Array(n * width);
  for (let i = 0; i < n; i++) {
    const w = q[i]!, v = value[i]!;
    for (let c = max; c >= w; c--) {
      const alt = best[c - w]! + v;
      if (alt > best[c]! || (alt === best[c]! && v > 0)) (best[c] = alt), (take[i * width + c] = 1);
    }
  }
  return {
    max,
    select(capacity) {
      const stored = new Uint8Array(n);
      let c = capacity;
      for (let i = n - 1; i >= 0; i--) {
        if (take[i * width + c]) (stored[i] = 1), (c -= q[i]!);
      }
      return stored;
    },
  };
}
