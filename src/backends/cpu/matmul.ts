// The plain-TypeScript matrix product: cache-blocked and register-tiled.
//
// C = op(A)·op(B) is computed the way BLAS libraries do it (Goto & van de Geijn):
//
//   for each column block jc of NC columns of C
//     for each depth block pc of KC steps of K
//       pack op(B)[pc.., jc..] into Bp: panels of NR=4 columns, k-major
//       for each row block ic of MC rows of C
//         pack op(A)[ic.., pc..] into Ap: panels of MR=4 rows, k-major
//         for every 4×4 tile of the block: microkernel(Ap panel, Bp panel) → C tile
//
// Why this shape:
// - Packing copies each operand once per block into a Float64Array scratch laid
//   out in exactly the order the microkernel reads it (unit stride, no index
//   arithmetic beyond `+= 4`). The transposes are absorbed by the packing, so one
//   microkernel serves all four variants, and it only ever sees Float64Arrays:
//   V8 keeps it monomorphic whether the caller passes float32 or float64 data.
//   Panels are zero-padded to a multiple of 4 rows/columns, so the microkernel has
//   no edge cases; the store clips the padding away.
// - The microkernel keeps a 4×4 tile of C in 16 local doubles (registers, mostly):
//   per k it loads 4 values of A and 4 of B and does 16 multiply-adds, instead of
//   2 loads per multiply-add in a naive loop. 4×4 measured fastest among 2×4, 3×4,
//   2×8 and 4×4 in V8 (x64 has 16 XMM registers; more accumulators spill).
// - KC bounds one B panel (KC·4 doubles = 8 KiB) to stay in L1 while it is reused
//   by every A panel of the block; MC·KC doubles of A (128 KiB) stay in L2.
// - Sums are accumulated in doubles. With K split into blocks of KC, the partial
//   sums are added into C between blocks (one extra rounding per block in float32).
//
// Nothing is allocated per call once the scratch buffers have grown to the
// largest block seen.
//
// `productFor(kernels)` is the product a CPU backend and its LSTM kernels call:
// with a SIMD variant (../wasm/variant.ts) float32 products that are not tiny go to
// the WebAssembly SIMD kernel (../wasm/matmul-simd.ts), fused or not, and
// everything else (float64, tiny products) to `matmulTs` here; the 'ts' variant
// calls `matmulTs` only.
import type { FloatArray } from '../../tensor/dtype.js';
import { matmulSimd } from '../wasm/matmul-simd.js';
import { isFused, simdAvailable, type Kernels } from '../wasm/variant.js';

/** Rows of the register tile (rows of op(A) per packed panel). */
const MR = 4;
/** Columns of the register tile (columns of op(B) per packed panel). */
const NR = 4;
/** Depth of one packed block. */
const KC = 256;
/** Rows of op(A) packed at once. */
const MC = 64;
/** Columns of op(B) packed at once. */
const NC = 1024;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(0);
/** The 4×4 tile the microkernel writes (row-major), copied into C by `storeTile`. */
const tile = new Float64Array(MR * NR);

function growB(size: number): Float64Array {
  if (packB.length < size) packB = new Float64Array(size);
  return packB;
}

/**
 * Packs rows l0..l0+lc, depths p0..p0+kc of a matrix X [L,K] into `dst` as
 * ceil(lc/4) panels; panel q holds rows l0+4q..l0+4q+3 with element (r, k) at
 * q·kc·4 + k·4 + r. Rows past lc are 0. X[l,k] is x[l·K + k], or x[k·L + l] when
 * `depthMajor`. op(A) is such an X (depthMajor = transA); so is op(B)ᵀ [N,K]
 * (depthMajor = !transB), which is why one packer serves both (MR = NR).
 */
function packPanels(x: FloatArray, dst: Float64Array, L: number, K: number, depthMajor: boolean, l0: number, lc: number, p0: number, kc: number): void {
  let d = 0;
  for (let q = 0; q < lc; q += MR) {
    const rows = Math.min(MR, lc - q);
    const l = l0 + q;
    if (!depthMajor) {
      // rows of X are contiguous: walk 4 rows side by side
      for (let k = 0; k < kc; k++) {
        const p = l * K + p0 + k;
        for (let r = 0; r < MR; r++) dst[d + r] = r < rows ? x[p + r * K]! : 0;
        d += MR;
      }
    } else {
      // X is stored [K,L]: its 4 rows at depth k are adjacent in memory
      for (let k = 0; k < kc; k++) {
        const p = (p0 + k) * L + l;
        for (let r = 0; r < MR; r++) dst[d + r] = r < rows ? x[p + r]! : 0;
        d += MR;
      }
    }
  }
}

/**
 * tile[r·4 + c] = Σ_{k<kc} Ap[ao + 4k + r] · Bp[bo + 4k + c]: one 4×4 tile of C
 * from one packed A panel and one packed B panel. The 16 sums live in locals.
 */
function microkernel(Ap: Float64Array, ao: number, Bp: Float64Array, bo: number, kc: number, out: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  let pa = ao, pb = bo;
  for (let k = 0; k < kc; k++) {
    const a0 = Ap[pa]!, a1 = Ap[pa + 1]!, a2 = Ap[pa + 2]!, a3 = Ap[pa + 3]!;
    // one B value at a time keeps the live set at 16 + 4 + 1 doubles
    let b = Bp[pb]!;
    c00 += a0 * b; c10 += a1 * b; c20 += a2 * b; c30 += a3 * b;
    b = Bp[pb + 1]!;
    c01 += a0 * b; c11 += a1 * b; c21 += a2 * b; c31 += a3 * b;
    b = Bp[pb + 2]!;
    c02 += a0 * b; c12 += a1 * b; c22 += a2 * b; c32 += a3 * b;
    b = Bp[pb + 3]!;
    c03 += a0 * b; c13 += a1 * b; c23 += a2 * b; c33 += a3 * b;
    pa += MR;
    pb += NR;
  }
  out[0] = c00; out[1] = c01; out[2] = c02; out[3] = c03;
  out[4] = c10; out[5] = c11; out[6] = c12; out[7] = c13;
  out[8] = c20; out[9] = c21; out[10] = c22; out[11] = c23;
  out[12] = c30; out[13] = c31; out[14] = c32; out[15] = c33;
}

/** C[i0+r, j0+c] (+)= tile[r·4+c] for the rows < rows and columns < cols that exist. */
function storeTile(c: FloatArray, N: number, i0: number, j0: number, rows: number, cols: number, add: boolean): void {
  for (let r = 0; r < rows; r++) {
    const o = (i0 + r) * N + j0;
    const t = r * NR;
    if (add) for (let q = 0; q < cols; q++) c[o + q] = c[o + q]! + tile[t + q]!;
    else for (let q = 0; q < cols; q++) c[o + q] = tile[t + q]!;
  }
}

/**
 * C = op(A)·op(B) (C += … when accumulate). op(A) is [M,K]: A is stored [M,K], or [K,M]
 * when transA. op(B) is [K,N]: B is stored [K,N], or [N,K] when transB.
 * Works on Float32Array and Float64Array alike (sums in doubles).
 */
export function matmulTs(a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    if (!accumulate) c.fill(0, 0, M * N);
    return;
  }
  const Ap = packA;
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    const ncPad = Math.ceil(nc / NR) * NR;
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kc = Math.min(KC, K - p0);
      // the first depth block overwrites C (unless accumulating), later ones add
      const add = accumulate || p0 > 0;
      const Bp = growB(ncPad * kc);
      packPanels(b, Bp, N, K, !transB, j0, nc, p0, kc); // op(B)ᵀ rows j0..: op(B)'s columns
      for (let i0 = 0; i0 < M; i0 += MC) {
        const mc = Math.min(MC, M - i0);
        packPanels(a, Ap, M, K, transA, i0, mc, p0, kc);
        for (let jq = 0; jq < nc; jq += NR) {
          const bo = jq * kc; // panel jq/4 starts at (jq/4)·kc·4
          const cols = Math.min(NR, nc - jq);
          for (let iq = 0; iq < mc; iq += MR) {
            microkernel(Ap, iq * kc, Bp, bo, kc, tile);
            storeTile(c, N, i0 + iq, j0 + jq, Math.min(MR, mc - iq), cols, add);
          }
        }
      }
    }
  }
}

/** Below this many multiply-adds the SIMD path's copies cost more than they save. */
export const SIMD_MIN_MACS = 4096;

export type MatmulFn = (a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean) => void;

/** The product that sends float32 products of at least SIMD_MIN_MACS multiply-adds to the SIMD kernel (`fused` or not), the rest to matmulTs. */
function simdProduct(fused: boolean): MatmulFn {
  return (a, b, c, M, K, N, transA, transB, accumulate) => {
    if (M * K * N >= SIMD_MIN_MACS && c instanceof Float32Array && a instanceof Float32Array && b instanceof Float32Array && simdAvailable()) {
      matmulSimd(a, b, c, M, K, N, transA, transB, accumulate, fused);
    } else {
      matmulTs(a, b, c, M, K, N, transA, transB, accumulate);
    }
  };
}

/** C = op(A)·op(B) (C += … when accumulate), as `matmulTs`, in the baseline SIMD kernel where it pays (and the engine has SIMD). */
export const matmulCpu: MatmulFn = simdProduct(false);
/** matmulCpu with the fused (relaxed_madd) kernel. Requires fmaAvailable(). */
export const matmulCpuFused: MatmulFn = simdProduct(true);

/** The product of a CPU backend running `kernels` (a variant the engine has). */
export function productFor(kernels: Kernels): MatmulFn {
  return kernels === 'ts' ? matmulTs : isFused(kernels) ? matmulCpuFused : matmulCpu;
}
