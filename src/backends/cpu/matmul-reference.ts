// The reference matrix product: the original, simple kernel, kept as the
// ground truth that the fast kernels (./matmul.ts, ../wasm) are tested against.
//
// Every variant is reduced to one inner kernel, `dotRows`: C[i,j] = Σ_k A[i,k]·Bt[j,k]
// with both operands read along contiguous rows (B is transposed into a scratch
// buffer when it is not already stored [N,K]). Sums are kept in JS doubles and
// rounded once when stored.
import type { FloatArray } from '../../tensor/dtype.js';

let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);

function scratch(which: 'a' | 'b', size: number): Float64Array {
  if (which === 'a') {
    if (scratchA.length < size) scratchA = new Float64Array(size);
    return scratchA;
  }
  if (scratchB.length < size) scratchB = new Float64Array(size);
  return scratchB;
}

/** out[c*rows + r] = src[r*cols + c]: a [rows,cols] matrix transposed into [cols,rows]. */
function transposeInto(src: FloatArray, rows: number, cols: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[base + c]!;
  }
}

function copyInto(src: FloatArray, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) out[i] = src[i]!;
}

/** C[i,j] (+)= Σ_k A[i*K+k]·Bt[j*K+k] for i<M, j<N. */
function dotRows(A: Float64Array, Bt: Float64Array, C: FloatArray, M: number, K: number, N: number, accumulate: boolean): void {
  const N4 = N - (N % 4);
  for (let i = 0; i < M; i++) {
    const ai = i * K;
    const ci = i * N;
    let j = 0;
    for (; j < N4; j += 4) {
      const b0 = j * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const a = A[ai + k]!;
        s0 += a * Bt[b0 + k]!;
        s1 += a * Bt[b1 + k]!;
        s2 += a * Bt[b2 + k]!;
        s3 += a * Bt[b3 + k]!;
      }
      if (accumulate) {
        C[ci + j] = C[ci + j]! + s0;
        C[ci + j + 1] = C[ci + j + 1]! + s1;
        C[ci + j + 2] = C[ci + j + 2]! + s2;
        C[ci + j + 3] = C[ci + j + 3]! + s3;
      } else {
        C[ci + j] = s0;
        C[ci + j + 1] = s1;
        C[ci + j + 2] = s2;
        C[ci + j + 3] = s3;
      }
    }
    for (; j < N; j++) {
      const bj = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[ai + k]! * Bt[bj + k]!;
      C[ci + j] = accumulate ? C[ci + j]! + s : s;
    }
  }
}

/**
 * C = op(A)·op(B) (C += … when accumulate). op(A) is [M,K]: A is stored [M,K], or [K,M]
 * when transA. op(B) is [K,N]: B is stored [K,N], or [N,K] when transB.
 */
export function matmulReference(a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    if (!accumulate) c.fill(0, 0, M * N);
    return;
  }
  const A = scratch('a', M * K);
  if (transA) transposeInto(a, K, M, A);
  else copyInto(a, M * K, A);
  const Bt = scratch('b', N * K);
  if (transB) copyInto(b, N * K, Bt);
  else transposeInto(b, K, N, Bt);
  dotRows(A, Bt, c, M, K, N, accumulate);
}
