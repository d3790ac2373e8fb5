// Shared property harness: a matmul kernel agrees with matmulReference on every
// transpose variant, with and without accumulate, for float32 and float64,
// on shapes that include 1, odd sizes and non-multiples of the register tile,
// and on operands that are subarrays at an offset (as the LSTM kernels pass them).
import fc from 'fast-check';
import { expect } from 'vitest';
import { matmulReference } from '../../src/backends/cpu/matmul-reference.js';
import type { FloatArray } from '../../src/tensor/dtype.js';

export type MatmulFn = (a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean) => void;

export interface MatmulCase {
  M: number;
  K: number;
  N: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  f64: boolean;
  /** elements before the operands in their buffers (subarray offset) */
  offset: number;
  seed: number;
}

/** A small deterministic generator for operand values (fast-check picks the seed). */
function fillRandom(x: FloatArray, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    x[i] = (s / 4294967296) * 2 - 1;
  }
}

/** Runs `fn` and the reference on the same case; fails with the worst element. */
export function checkCase(fn: MatmulFn, cs: MatmulCase): void {
  const { M, K, N, transA, transB, accumulate, f64, offset, seed } = cs;
  const make = (n: number): FloatArray => (f64 ? new Float64Array(n) : new Float32Array(n));
  const aBuf = make(offset + M * K), bBuf = make(offset + K * N);
  fillRandom(aBuf, seed);
  fillRandom(bBuf, seed * 7 + 3);
  const a = aBuf.subarray(offset), b = bBuf.subarray(offset);
  // C gets a tail past M·N that must stay untouched
  const tail = 5;
  const c0 = make(offset + M * N + tail);
  fillRandom(c0, seed * 13 + 5);
  const cRef = c0.slice(), cGot = c0.slice();
  matmulReference(a, b, cRef.subarray(offset, offset + M * N), M, K, N, transA, transB, accumulate);
  fn(a, b, cGot.subarray(offset), M, K, N, transA, transB, accumulate);
  // error bound: relative to Σ_k |a_ik|·|b_kj| (+|c| when accumulating). float32
  // kernels that accumulate in float32 (SIMD) may lose up to K·u (u = 2⁻²⁴) of it.
  const eps = f64 ? 1e-12 : 2e-6 + (K + 2) * 6e-8;
  const opA = (i: number, k: number) => (transA ? a[k * M + i]! : a[i * K + k]!);
  const opB = (k: number, j: number) => (transB ? b[j * K + k]! : b[k * N + j]!);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let mag = accumulate ? Math.abs(c0[offset + i * N + j]!) : 0;
      for (let k = 0; k < K; k++) mag += Math.abs(opA(i, k) * opB(k, j));
      const r = cRef[offset + i * N + j]!, g = cGot[offset + i * N + j]!;
      if (!(Math.abs(r - g) <= eps * (mag + 1e-30) + (f64 ? 0 : 1e-30))) {
        expect.fail(`C[${i},${j}] = ${g}, reference ${r} (|diff| ${Math.abs(r - g)}, scale ${mag}) for ${JSON.stringify(cs)}`);
      }
    }
  }
  for (let i = 0; i < offset; i++) if (cGot[i] !== c0[i]) expect.fail(`C head element ${i} was written for ${JSON.stringify(cs)}`);
  for (let i = 0; i < tail; i++) {
    const p = offset + M * N + i;
    if (cGot[p] !== c0[p]) expect.fail(`C tail element ${i} past M·N was written for ${JSON.stringify(cs)}`);
  }
}

/** Dims: mostly small (1..9, all residues of the 4- and 8-wide tiles), sometimes up to 70. */
const dim = () => fc.oneof({ arbitrary: fc.integer({ min: 1, max: 9 }), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 70 }), weight: 2 });

export const matmulCaseArb = (f64?: boolean): fc.Arbitrary<MatmulCase> =>
  fc.record({
    M: dim(),
    K: dim(),
    N: dim(),
    transA: fc.boolean(),
    transB: fc.boolean(),
    accumulate: fc.boolean(),
    f64: f64 === undefined ? fc.boolean() : fc.constant(f64),
    offset: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  });

/** Shapes that cross the cache blocks (KC 256, MC 64, NC 1024) and the LSTM's shapes. */
export const largeCases: Array<[number, number, number]> = [
  [9, 300, 1030],
  [129, 260, 13],
  [32, 64, 256],
  [130, 32, 66],
  [3, 1025, 5],
];
