/**
 * General matrix multiply on raw Float32Arrays: c[M,N] = op(a)·op(b), overwriting c.
 * Deterministic: every c element is summed over k in ascending order.
 * @module
 */

/** Layout of a gemm call. */
export interface GemmShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** a is stored [K, M]. */
  readonly transA: boolean;
  /** b is stored [N, K]. */
  readonly transB: boolean;
}

/** c = op(a)·op(b). Reference version; to be replaced by a blocked kernel. */
export function gemm(a: Float32Array, b: Float32Array, c: Float32Array, s: GemmShape): void {
  const { m, n, k, transA, transB } = s;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        acc += av * bv;
      }
      c[i * n + j] = acc;
    }
  }
}
