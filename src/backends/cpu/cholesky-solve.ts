// Float64 linear algebra for the ridge fit (src/train/ridge-fit.ts): the Cholesky factor
// of a symmetric positive definite matrix, and the two triangular solves with many
// right-hand sides after it. Both run in WebAssembly SIMD where there is some
// (../wasm/cholesky-solve-simd.ts, the same bits) and in the loops below otherwise.
import { choleskyPivot, SOLVE_COLUMNS, solveSpdSimd } from '../wasm/cholesky-solve-simd.js';

/**
 * Z ← A⁻¹·Z in place for a symmetric positive definite A [F, F] given by its lower triangle
 * (row-major), Z [F, S]: the Cholesky factor, then the two triangular solves. A is scratch:
 * what it holds afterwards is unspecified. `simd: false` takes the TypeScript loops whatever
 * the runtime has; both give the same bits.
 */
export function solveSpd(A: Float64Array, Z: Float64Array, F: number, S: number, simd = true): void {
  if (simd && solveSpdSimd(A, Z, F, S)) return;
  choleskyInPlace(A, F);
  solveCholesky(A, Z, F, S);
}

/** Z ← (L·Lᵀ)⁻¹·Z in place: L the lower Cholesky factor [F, F] (row-major, the upper part ignored), Z [F, S]. */
function solveCholesky(L: Float64Array, Z: Float64Array, F: number, S: number): void {
  // The right-hand sides are independent columns: solving a block of them at a time keeps
  // the block in L2 (a row-at-a-time pass streams all of Z, 2 MiB at H 256, for every row).
  // Each element sees the same operations in the same order, so the bits are the same.
  for (let j0 = 0; j0 < S; j0 += SOLVE_COLUMNS) {
    const j1 = Math.min(S, j0 + SOLVE_COLUMNS);
    // L Z = C, top row down: row i less L[i][k]·(row k) for k < i, then over L[i][i]
    for (let i = 0; i < F; i++) {
      subtractRows(Z, S, i, 0, i, (k) => L[i * F + k]!, j0, j1);
      scaleRow(Z, S, i, 1 / L[i * F + i]!, j0, j1);
    }
    // Lᵀ W = Z, bottom row up: row i less L[k][i]·(row k) for k > i (a column of L)
    for (let i = F - 1; i >= 0; i--) {
      subtractRows(Z, S, i, i + 1, F, (k) => L[k * F + i]!, j0, j1);
      scaleRow(Z, S, i, 1 / L[i * F + i]!, j0, j1);
    }
  }
}

/**
 * Columns j0..j1−1 of row i of the [·, S] matrix Z less l(k) times row k, for k = k0..k1−1
 * in that order. Four rows k at a time with the element held in a register: each element
 * is still reduced one k after another, so the bits are those of one row at a time.
 */
function subtractRows(Z: Float64Array, S: number, i: number, k0: number, k1: number, l: (k: number) => number, j0: number, j1: number): void {
  const zi = i * S;
  let k = k0;
  for (; k + 4 <= k1; k += 4) {
    const l0 = l(k), l1 = l(k + 1), l2 = l(k + 2), l3 = l(k + 3);
    const a = k * S, b = a + S, c = b + S, d = c + S;
    for (let j = j0; j < j1; j++) {
      let v = Z[zi + j]!;
      v -= l0 * Z[a + j]!;
      v -= l1 * Z[b + j]!;
      v -= l2 * Z[c + j]!;
      v -= l3 * Z[d + j]!;
      Z[zi + j] = v;
    }
  }
  for (; k < k1; k++) {
    const lk = l(k), a = k * S;
    for (let j = j0; j < j1; j++) Z[zi + j] = Z[zi + j]! - lk * Z[a + j]!;
  }
}

/** Columns j0..j1−1 of row i of the [·, S] matrix Z times d. */
function scaleRow(Z: Float64Array, S: number, i: number, d: number, j0: number, j1: number): void {
  const zi = i * S;
  for (let j = j0; j < j1; j++) Z[zi + j] = Z[zi + j]! * d;
}

/** The lower Cholesky factor of a symmetric positive definite [n, n] matrix, in place (the upper part is left as it was). */
export function choleskyInPlace(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const ljj = choleskyPivot(a[j * n + j]!, j, (k) => a[j * n + k]!);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = a[i * n + j]!;
      const ri = i * n, rj = j * n;
      for (let k = 0; k < j; k++) v -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = v / ljj;
    }
  }
}
