// The ridge fit's float64 solve (src/backends/cpu/cholesky-solve.ts and its WebAssembly SIMD
// twin): both give the bits of the textbook row-at-a-time Cholesky factorisation and
// substitutions written out here, for any shape, and refuse a matrix that is not positive definite.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { choleskyInPlace, solveSpd } from '../../src/backends/cpu/cholesky-solve.js';
import { Rng } from '../../src/tensor/rng.js';

/** A = M·Mᵀ + I / 10 with M [n, r] normal: symmetric positive definite, full (both triangles). */
function spd(rng: Rng, n: number, r: number): Float64Array {
  const m = Float64Array.from({ length: n * r }, () => rng.normal(0, 1));
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let v = i === j ? 0.1 : 0;
    for (let k = 0; k < r; k++) v += m[i * r + k]! * m[j * r + k]!;
    a[i * n + j] = v;
  }
  return a;
}

/** The textbook solve: L column by column, then L z = c top down and Lᵀ w = z bottom up, one row at a time. */
function reference(a: Float64Array, c: Float64Array, F: number, S: number): Float64Array {
  const L = new Float64Array(F * F);
  for (let j = 0; j < F; j++) {
    let d = a[j * F + j]!;
    for (let k = 0; k < j; k++) d -= L[j * F + k]! * L[j * F + k]!;
    L[j * F + j] = Math.sqrt(d);
    for (let i = j + 1; i < F; i++) {
      let v = a[i * F + j]!;
      for (let k = 0; k < j; k++) v -= L[i * F + k]! * L[j * F + k]!;
      L[i * F + j] = v / L[j * F + j]!;
    }
  }
  const Z = c.slice();
  for (let i = 0; i < F; i++) {
    for (let k = 0; k < i; k++) for (let j = 0; j < S; j++) Z[i * S + j] = Z[i * S + j]! - L[i * F + k]! * Z[k * S + j]!;
    for (let j = 0; j < S; j++) Z[i * S + j] = Z[i * S + j]! * (1 / L[i * F + i]!);
  }
  for (let i = F - 1; i >= 0; i--) {
    for (let k = i + 1; k < F; k++) for (let j = 0; j < S; j++) Z[i * S + j] = Z[i * S + j]! - L[k * F + i]! * Z[k * S + j]!;
    for (let j = 0; j < S; j++) Z[i * S + j] = Z[i * S + j]! * (1 / L[i * F + i]!);
  }
  return Z;
}

describe('the ridge fit\'s float64 solve', () => {
  it('Cholesky: L Lᵀ is the matrix', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 1000 }), (n, seed) => {
      const a = spd(new Rng(seed), n, n);
      const l = a.slice();
      choleskyInPlace(l, n);
      for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
        let v = 0;
        for (let k = 0; k <= j; k++) v += l[i * n + k]! * l[j * n + k]!;
        expect(Math.abs(v - a[i * n + j]!)).toBeLessThan(1e-9 * (1 + Math.abs(a[i * n + j]!)));
      }
    }), { numRuns: 40 });
  });

  it('in WebAssembly SIMD and in TypeScript it gives the textbook solve\'s bits, for any shape (odd widths, blocks of columns)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 140 }), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 1000 }), (F, S, r, seed) => {
      const rng = new Rng(seed);
      const a = spd(rng, F, r);
      const c = Float64Array.from({ length: F * S }, () => rng.normal(0, 1));
      const want = Array.from(reference(a, c, F, S));
      for (const simd of [true, false]) {
        const Z = c.slice();
        solveSpd(a.slice(), Z, F, S, simd);
        expect(Array.from(Z), simd ? 'SIMD' : 'TypeScript').toEqual(want);
      }
    }), { numRuns: 30 });
  });

  it('reads only the lower triangle of A', () => {
    const rng = new Rng(5), F = 9, S = 3;
    const a = spd(rng, F, 4), c = Float64Array.from({ length: F * S }, () => rng.normal(0, 1));
    const lower = a.map((v, idx) => (idx % F <= Math.floor(idx / F) ? v : NaN));
    for (const simd of [true, false]) {
      const Z = c.slice();
      solveSpd(lower.slice(), Z, F, S, simd);
      expect(Array.from(Z)).toEqual(Array.from(reference(a, c, F, S)));
    }
  });

  it('a matrix that is not positive definite is refused by both, naming the column and the key to raise', () => {
    for (const simd of [true, false]) {
      const A = Float64Array.from([1, 0, 0, 2, 1, 0, 0, 0, 1]); // lower triangle of [[1, 2, 0], [2, 1, 0], [0, 0, 1]]
      expect(() => solveSpd(A, new Float64Array(3), 3, 1, simd)).toThrow(/not positive definite at column 1 \(pivot -3\).*synthesizer\.ridge/);
    }
  });
});
