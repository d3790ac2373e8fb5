// One LSTM layer over a chunk of T steps, gate order i, f, g, o (torch.nn.LSTM):
//   z   = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
//   i,f,g,o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
// Rows are time-major: row t*B+b is step t of batch row b.
//
// Speed notes:
// - The input projection of all T steps is one matrix product; only W_hh h_{t-1}
//   is per step.
// - On the SIMD path (float32, a backend with a SIMD variant) W_hh is copied into the wasm
//   module's memory once per chunk (simdPinB), transposed for the forward, so
//   the T per-step products neither copy nor transpose it again; with the SIMD gates
//   too, the whole chunk works in that one memory (../wasm/lstm-chunk-simd.ts): the
//   steps' activations go in and out once a chunk, and the input projection is
//   computed there (rows in, not the `gates` array) when it would run in SIMD anyway.
// - The gate nonlinearities and the cell update are one fused loop per step: in
//   WebAssembly SIMD (../wasm/lstm-gates-simd.ts) on a backend with SIMD, float32
//   data and H a multiple of 4; else the TypeScript loops below.
// - Backward's gradient buffers are module-level scratch that only grows, so a
//   training step allocates nothing here.
// - Each pass is written over a range (rows of the T·B, batch rows, gate
//   columns), so the threaded backend (src/backends/threads) runs the same code on
//   its share; the single-threaded kernels below call them over everything. The
//   ranges never split a sum, so every thread count gives the same bits.
import type { LstmBackwardArgs, LstmForwardArgs } from '../backend.js';
import { allFloat32, type FloatArray } from '../../tensor/dtype.js';
import { productFor, SIMD_MIN_MACS } from './matmul.js';
import { matmulSimdPinned, simdPinB, type Strides } from '../wasm/matmul-simd.js';
import { gatesBackwardSimd, gatesForwardSimd, simdGatesFit } from '../wasm/lstm-gates-simd.js';
import { lstmBackwardChunkSimd, lstmForwardChunkSimd } from '../wasm/lstm-chunk-simd.js';
import { isFused, isSimd, type Kernels } from '../wasm/variant.js';

/** Whether the gates of this layer run in the SIMD kernels (the same answer on every thread). */
function simdGates(gates: FloatArray, H: number, kernels: Kernels): gates is Float32Array {
  return isSimd(kernels) && gates instanceof Float32Array && simdGatesFit(H);
}

/**
 * The matrix product the range passes use: `ld` gives the row strides of the
 * stored operands (blocks of larger matrices have rows further apart than their width).
 */
export type Product = (a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean, ld: Strides) => void;

/** The CPU backend's product (of its variant), for operands stored without gaps (as they are over full ranges). */
function denseProduct(kernels: Kernels): Product {
  const product = productFor(kernels);
  return (a, b, c, M, K, N, transA, transB, accumulate, ld) => {
    if (ld.a !== (transA ? M : K) || ld.b !== (transB ? K : N) || ld.c !== N) throw new Error('lstm: a strided product needs the threaded backend\'s product');
    product(a, b, c, M, K, N, transA, transB, accumulate);
  };
}
const DENSE: Record<Kernels, Product> = { 'wasm-simd-fma': denseProduct('wasm-simd-fma'), 'wasm-simd': denseProduct('wasm-simd'), ts: denseProduct('ts') };

/**
 * Whether a layer whose steps run resident in wasm memory (pinned, SIMD gates) computes
 * its input projection there too: only where lstmInputRows's product would run in the
 * SIMD kernel (its size, float32), so that the bits are that kernel's.
 */
export function projectInChunk(a: LstmForwardArgs, pinned: boolean, kernels: Kernels): boolean {
  return pinned && simdGates(a.gates, a.H, kernels) && a.T * a.B * a.D * 4 * a.H >= SIMD_MIN_MACS && allFloat32(a.x, a.wih, a.bih, a.bhh);
}

/** Pin W_hh for the per-step products when they would go to the SIMD kernel anyway. */
export function pinWhh(whh: FloatArray, B: number, H: number, kernels: Kernels): whh is Float32Array {
  return isSimd(kernels) && whh instanceof Float32Array && B * H * 4 * H >= SIMD_MIN_MACS;
}

// Grow-only scratch per dtype: dZ [T*B, 4H], dhNext and dcNext [B, H].
const scratch32 = { dZ: new Float32Array(0), dh: new Float32Array(0), dc: new Float32Array(0) };
const scratch64 = { dZ: new Float64Array(0), dh: new Float64Array(0), dc: new Float64Array(0) };
// Per dtype: a row of ones [T·B] and the column sums [4H] of the bias gradients.
const sums32 = { ones: new Float32Array(0), sum: new Float32Array(0) };
const sums64 = { ones: new Float64Array(0), sum: new Float64Array(0) };

export function scratchFor(like: FloatArray, nZ: number, nState: number): { dZ: FloatArray; dh: FloatArray; dc: FloatArray } {
  if (like instanceof Float64Array) {
    const s = scratch64;
    if (s.dZ.length < nZ) s.dZ = new Float64Array(nZ);
    if (s.dh.length < nState) { s.dh = new Float64Array(nState); s.dc = new Float64Array(nState); }
    return s;
  }
  const s = scratch32;
  if (s.dZ.length < nZ) s.dZ = new Float32Array(nZ);
  if (s.dh.length < nState) { s.dh = new Float32Array(nState); s.dc = new Float32Array(nState); }
  return s;
}

function sumScratch(like: FloatArray, rows: number, cols: number): { ones: FloatArray; sum: FloatArray } {
  const s: { ones: FloatArray; sum: FloatArray } = like instanceof Float64Array ? sums64 : sums32;
  const make = (n: number) => (like instanceof Float64Array ? new Float64Array(n) : new Float32Array(n));
  if (s.ones.length < rows) s.ones = make(rows).fill(1);
  if (s.sum.length < cols) s.sum = make(cols);
  return { ones: s.ones.subarray(0, rows), sum: s.sum.subarray(0, cols) };
}

/**
 * The gates of one step, in place: z (B rows of 4H pre-activations, at zOff) becomes
 * the activated i, f, g, o; c_t and h_t are written at `out`. cPrev is read at `pOff`.
 */
function gateStep(z: FloatArray, zOff: number, cPrev: FloatArray, pOff: number, cs: FloatArray, hs: FloatArray, out: number, B: number, H: number): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
    const zb = zOff + b * G;
    const sb = pOff + b * H;
    const ob = out + b * H;
    for (let j = 0; j < H; j++) {
      const i = 1 / (1 + Math.exp(-z[zb + j]!));
      const f = 1 / (1 + Math.exp(-z[zb + H + j]!));
      const g = Math.tanh(z[zb + 2 * H + j]!);
      const o = 1 / (1 + Math.exp(-z[zb + 3 * H + j]!));
      z[zb + j] = i;
      z[zb + H + j] = f;
      z[zb + 2 * H + j] = g;
      z[zb + 3 * H + j] = o;
      cs[ob + j] = f * cPrev[sb + j]! + i * g;
      // tanh of c as stored (rounded to the array's precision), as backward sees it
      hs[ob + j] = o * Math.tanh(cs[ob + j]!);
    }
  }
}

/**
 * Forward pass 1, rows r0..r1 of the T·B: gates[r] = b_ih + b_hh + W_ih x_r (pre-activations):
 * the rows start as the bias (one row written, copied natively to the others) and the
 * product accumulates onto them, instead of a second pass that adds the bias.
 */
export function lstmInputRows(a: LstmForwardArgs, r0: number, r1: number, mm: Product): void {
  const { D, H, x, wih, bih, bhh, gates } = a;
  const G = 4 * H;
  if (r1 <= r0) return;
  const first = r0 * G;
  for (let j = 0; j < G; j++) gates[first + j] = bih[j]! + bhh[j]!;
  for (let r = r0 + 1; r < r1; r++) gates.copyWithin(r * G, first, first + G);
  mm(x.subarray(r0 * D), wih, gates.subarray(r0 * G), r1 - r0, D, G, false, true, true, { a: D, b: D, c: G });
}

/**
 * Forward pass 2, batch rows b0..b1 through all T steps (rows of different batch
 * entries never meet): z += W_hh h_{t−1}, then the gates and the cell update.
 * `pinned`: W_hh goes to the SIMD kernel pinned (pinWhh's answer for the whole batch).
 * `project`: pass 1 for these rows too (projectInChunk's answer); else it has run.
 */
export function lstmRecurrenceRows(a: LstmForwardArgs, b0: number, b1: number, pinned: boolean, mm: Product, kernels: Kernels, project = false): void {
  const { T, B, H, h0, c0, whh, gates, cs, hs } = a;
  const G = 4 * H;
  const n = b1 - b0;
  const vector = simdGates(gates, H, kernels);
  const fused = isFused(kernels);
  if (pinned) simdPinB(whh as Float32Array, H, G, true); // op(B) = W_hhᵀ [H, 4H]
  if (pinned && vector) return lstmForwardChunkSimd(a, b0, b1, project, fused);
  if (project) throw new Error('lstm: the input projection is computed in the chunk only on the resident path');
  for (let t = 0; t < T; t++) {
    const row = t * B + b0; // this step's first row
    const hPrev = t === 0 ? h0.subarray(b0 * H, b1 * H) : hs.subarray((row - B) * H, (row - B + n) * H);
    const z = gates.subarray(row * G, (row + n) * G);
    const cPrev = t === 0 ? c0 : cs, pOff = t === 0 ? b0 * H : (row - B) * H;
    // z += W_hh h_{t-1}
    if (pinned) matmulSimdPinned(hPrev as Float32Array, z as Float32Array, n, false, true, fused);
    else mm(hPrev, whh, z, n, H, G, false, true, true, { a: H, b: H, c: G });
    if (vector) gatesForwardSimd(gates, row * G, cPrev as Float32Array, pOff, cs as Float32Array, hs as Float32Array, row * H, n, H, fused);
    else gateStep(gates, row * G, cPrev, pOff, cs, hs, row * H, n, H);
  }
}

/** `kernels`: the CPU backend's variant (a SIMD one: the products and the gates in WebAssembly where they fit). */
export function lstmForwardCpu(a: LstmForwardArgs, kernels: Kernels): void {
  const mm = DENSE[kernels];
  const pinned = pinWhh(a.whh, a.B, a.H, kernels), project = projectInChunk(a, pinned, kernels);
  if (!project) lstmInputRows(a, 0, a.T * a.B, mm);
  lstmRecurrenceRows(a, 0, a.B, pinned, mm, kernels, project);
}

/**
 * dZ of one step from the saved gates, batch rows b0..b1: dh = dhs_t + dhNext,
 * dc = dcNext + dh·o·(1−tanh²c); dcNext becomes dc·f (the gradient reaching c_{t−1}).
 */
function gateBackStep(t: number, b0: number, b1: number, B: number, H: number, gates: FloatArray, cs: FloatArray, cPrev: FloatArray, pOff: number, dhs: FloatArray, dhNext: FloatArray, dcNext: FloatArray, dZ: FloatArray): void {
  const G = 4 * H;
  for (let b = b0; b < b1; b++) {
    const zb = (t * B + b) * G;
    const sb = b * H;
    const row = (t * B + b) * H;
    const pb = pOff + b * H;
    for (let j = 0; j < H; j++) {
      const i = gates[zb + j]!, f = gates[zb + H + j]!, g = gates[zb + 2 * H + j]!, o = gates[zb + 3 * H + j]!;
      const tc = Math.tanh(cs[row + j]!);
      const dh = dhs[row + j]! + dhNext[sb + j]!;
      const dc = dcNext[sb + j]! + dh * o * (1 - tc * tc);
      dZ[zb + j] = dc * g * i * (1 - i);
      dZ[zb + H + j] = dc * cPrev[pb + j]! * f * (1 - f);
      dZ[zb + 2 * H + j] = dc * i * (1 - g * g);
      dZ[zb + 3 * H + j] = dh * tc * o * (1 - o);
      dcNext[sb + j] = dc * f;
    }
  }
}

/**
 * Backward pass 1, batch rows b0..b1 from step T−1 down to 0: dZ [T·B, 4H] (every
 * element of these rows written), and dh0/dc0 of these rows. dhNext and dcNext are
 * [B, H] buffers of which rows b0..b1 are used.
 */
export function lstmBackRecurrenceRows(a: LstmBackwardArgs, dZ: FloatArray, dhNext: FloatArray, dcNext: FloatArray, b0: number, b1: number, pinned: boolean, mm: Product, kernels: Kernels): void {
  const { T, B, H, c0, whh, gates, cs, dhs, dcT } = a;
  const G = 4 * H;
  const n = b1 - b0;
  const dh = dhNext.subarray(b0 * H, b1 * H);
  const dc = dcNext.subarray(b0 * H, b1 * H);
  dh.fill(0);
  dc.set(dcT.subarray(b0 * H, b1 * H));
  const vector = simdGates(gates, H, kernels);
  const fused = isFused(kernels);
  if (pinned) simdPinB(whh as Float32Array, G, H, false); // op(B) = W_hh [4H, H]
  // dh, dc: this share's rows of dhNext, dcNext, carried in wasm memory across the steps
  if (pinned && vector) lstmBackwardChunkSimd(a, dZ as Float32Array, dh as Float32Array, dc as Float32Array, b0, b1, fused);
  else for (let t = T - 1; t >= 0; t--) {
    const cPrev = t === 0 ? c0 : cs, pOff = t === 0 ? 0 : (t - 1) * B * H;
    if (vector) {
      gatesBackwardSimd(t * B + b0, n, H, gates, cs as Float32Array, cPrev as Float32Array, pOff + b0 * H, dhs as Float32Array, dhNext as Float32Array, dcNext as Float32Array, b0 * H, dZ as Float32Array, fused);
    } else gateBackStep(t, b0, b1, B, H, gates, cs, cPrev, pOff, dhs, dhNext, dcNext, dZ);
    // dh_{t-1} = dz_t W_hh
    const dz = dZ.subarray((t * B + b0) * G, (t * B + b1) * G);
    if (pinned) matmulSimdPinned(dz as Float32Array, dh as Float32Array, n, false, false, fused);
    else mm(dz, whh, dh, n, G, H, false, false, false, { a: G, b: H, c: H });
  }
  if (a.dh0) a.dh0.set(dh, b0 * H);
  if (a.dc0) a.dc0.set(dc, b0 * H);
}

/**
 * Backward pass 2, gate columns g0..g1 of dZ: those rows of dW_hh, dW_ih and those
 * entries of the bias gradients (sums over all T·B rows).
 */
export function lstmBackWeightRows(a: LstmBackwardArgs, dZ: FloatArray, g0: number, g1: number, mm: Product): void {
  const { T, B, D, H, x, h0, hs } = a;
  const G = 4 * H;
  const n = g1 - g0;
  if (a.dwhh) {
    // dW_hh += Σ_t dz_tᵀ h_{t-1}: h_{t-1} is h0 for t=0 and hs[t-1] after.
    const dw = a.dwhh.subarray(g0 * H);
    mm(dZ.subarray(g0), h0, dw, n, B, H, true, false, true, { a: G, b: H, c: H });
    if (T > 1) mm(dZ.subarray(B * G + g0), hs, dw, n, (T - 1) * B, H, true, false, true, { a: G, b: H, c: H });
  }
  if (a.dwih) mm(dZ.subarray(g0), x, a.dwih.subarray(g0 * D), n, T * B, D, true, false, true, { a: G, b: D, c: D });
  if (a.dbih || a.dbhh) {
    // Σ over rows of dZ, once (a product with a row of ones: the SIMD kernel's speed), then added to each bias gradient
    const rows = T * B;
    const s = sumScratch(dZ, rows, G);
    mm(s.ones, dZ.subarray(g0), s.sum, 1, rows, n, false, false, false, { a: rows, b: G, c: n });
    if (a.dbih) for (let j = g0; j < g1; j++) a.dbih[j] = a.dbih[j]! + s.sum[j - g0]!;
    if (a.dbhh) for (let j = g0; j < g1; j++) a.dbhh[j] = a.dbhh[j]! + s.sum[j - g0]!;
  }
}

/** Backward pass 2, rows r0..r1 of the T·B: dx = dZ W_ih. */
export function lstmBackInputRows(a: LstmBackwardArgs, dZ: FloatArray, r0: number, r1: number, mm: Product): void {
  const { D, H, wih } = a;
  const G = 4 * H;
  if (a.dx) mm(dZ.subarray(r0 * G), wih, a.dx.subarray(r0 * D), r1 - r0, G, D, false, false, false, { a: G, b: D, c: D });
}

export function lstmBackwardCpu(a: LstmBackwardArgs, kernels: Kernels): void {
  const { T, B, H } = a;
  const mm = DENSE[kernels];
  const s = scratchFor(a.gates, T * B * 4 * H, B * H);
  const dZ = s.dZ.subarray(0, T * B * 4 * H); // gradient at the pre-activations z (every element is written)
  lstmBackRecurrenceRows(a, dZ, s.dh, s.dc, 0, B, pinWhh(a.whh, B, H, kernels), mm, kernels);
  lstmBackWeightRows(a, dZ, 0, 4 * H, mm);
  lstmBackInputRows(a, dZ, 0, T * B, mm);
}
