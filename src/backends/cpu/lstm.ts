// One LSTM layer over a chunk of T steps, gate order i, f, g, o (torch.nn.LSTM):
//   z   = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
//   i,f,g,o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
// Rows are time-major: row t*B+b is step t of batch row b.
//
// Speed notes:
// - The input projection of all T steps is one matrix product; only W_hh h_{t-1}
//   is per step.
// - On the SIMD path (float32, SIMD enabled) W_hh is copied into the wasm
//   module's memory once per chunk (simdPinB), transposed for the forward, so
//   the T per-step products neither copy nor transpose it again.
// - The gate nonlinearities and the cell update are one fused loop per step.
// - Backward's gradient buffers are module-level scratch that only grows, so a
//   training step allocates nothing here.
import type { LstmBackwardArgs, LstmForwardArgs } from '../backend.js';
import type { FloatArray } from '../../tensor/dtype.js';
import { matmulCpu, simdEnabled } from './matmul.js';
import { matmulSimdPinned, simdPinB } from '../wasm/matmul-simd.js';

/** Pin W_hh for the per-step products when they would go to the SIMD kernel anyway. */
function pinWhh(whh: FloatArray, B: number, H: number): whh is Float32Array {
  return simdEnabled() && whh instanceof Float32Array && B * H * 4 * H >= 4096;
}

// Grow-only scratch per dtype: dZ [T*B, 4H], dhNext and dcNext [B, H]; and, in
// doubles for both dtypes, bias sums [4H] (b_ih + b_hh forward, Σ_rows dZ backward).
const scratch32 = { dZ: new Float32Array(0), dh: new Float32Array(0), dc: new Float32Array(0) };
const scratch64 = { dZ: new Float64Array(0), dh: new Float64Array(0), dc: new Float64Array(0) };
let biasSum = new Float64Array(0);

function scratchFor(like: FloatArray, nZ: number, nState: number): { dZ: FloatArray; dh: FloatArray; dc: FloatArray } {
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

function biasScratch(n: number): Float64Array {
  if (biasSum.length < n) biasSum = new Float64Array(n);
  return biasSum;
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

export function lstmForwardCpu(a: LstmForwardArgs): void {
  const { T, B, D, H, x, h0, c0, wih, whh, bih, bhh, gates, cs, hs } = a;
  const G = 4 * H;
  const BH = B * H;
  // The input projection of all T steps at once: gates[t*B+b] = W_ih x + b_ih + b_hh.
  matmulCpu(x, wih, gates, T * B, D, G, false, true, false);
  const bias = biasScratch(G);
  for (let j = 0; j < G; j++) bias[j] = bih[j]! + bhh[j]!;
  for (let r = 0; r < T * B; r++) {
    const base = r * G;
    for (let j = 0; j < G; j++) gates[base + j] = gates[base + j]! + bias[j]!;
  }
  const pinned = pinWhh(whh, B, H);
  if (pinned) simdPinB(whh, H, G, true); // op(B) = W_hhᵀ [H, 4H]
  for (let t = 0; t < T; t++) {
    const hPrev = t === 0 ? h0 : hs.subarray((t - 1) * BH, t * BH);
    const z = gates.subarray(t * B * G, (t + 1) * B * G);
    // z += W_hh h_{t-1}
    if (pinned) matmulSimdPinned(hPrev as Float32Array, z as Float32Array, B, false, true);
    else matmulCpu(hPrev, whh, z, B, H, G, false, true, true);
    if (t === 0) gateStep(gates, 0, c0, 0, cs, hs, 0, B, H);
    else gateStep(gates, t * B * G, cs, (t - 1) * BH, cs, hs, t * BH, B, H);
  }
}

/**
 * dZ of one step from the saved gates: dh = dhs_t + dhNext, dc = dcNext + dh·o·(1−tanh²c);
 * dcNext becomes dc·f (the gradient reaching c_{t−1}).
 */
function gateBackStep(t: number, B: number, H: number, gates: FloatArray, cs: FloatArray, cPrev: FloatArray, pOff: number, dhs: FloatArray, dhNext: FloatArray, dcNext: FloatArray, dZ: FloatArray): void {
  const G = 4 * H;
  for (let b = 0; b < B; b++) {
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

export function lstmBackwardCpu(a: LstmBackwardArgs): void {
  const { T, B, D, H, x, h0, c0, wih, whh, gates, cs, hs, dhs, dcT } = a;
  const G = 4 * H;
  const BH = B * H;
  const s = scratchFor(gates, T * B * G, BH);
  const dZ = s.dZ.subarray(0, T * B * G); // gradient at the pre-activations z (every element is written)
  const dhNext = s.dh.subarray(0, BH); // gradient reaching h_t from step t+1
  const dcNext = s.dc.subarray(0, BH);
  dhNext.fill(0);
  dcNext.set(dcT);
  const pinned = pinWhh(whh, B, H);
  if (pinned) simdPinB(whh, G, H, false); // op(B) = W_hh [4H, H]
  for (let t = T - 1; t >= 0; t--) {
    if (t === 0) gateBackStep(t, B, H, gates, cs, c0, 0, dhs, dhNext, dcNext, dZ);
    else gateBackStep(t, B, H, gates, cs, cs, (t - 1) * BH, dhs, dhNext, dcNext, dZ);
    // dh_{t-1} = dz_t W_hh
    const dz = dZ.subarray(t * B * G, (t + 1) * B * G);
    if (pinned) matmulSimdPinned(dz as Float32Array, dhNext as Float32Array, B, false, false);
    else matmulCpu(dz, whh, dhNext, B, G, H, false, false, false);
  }
  if (a.dh0) a.dh0.set(dhNext);
  if (a.dc0) a.dc0.set(dcNext);
  if (a.dwhh) {
    // dW_hh += Σ_t dz_tᵀ h_{t-1}: h_{t-1} is h0 for t=0 and hs[t-1] after.
    matmulCpu(dZ.subarray(0, B * G), h0, a.dwhh, G, B, H, true, false, true);
    if (T > 1) matmulCpu(dZ.subarray(B * G), hs.subarray(0, (T - 1) * BH), a.dwhh, G, (T - 1) * B, H, true, false, true);
  }
  if (a.dwih) matmulCpu(dZ, x, a.dwih, G, T * B, D, true, false, true);
  if (a.dbih || a.dbhh) {
    // Σ over rows of dZ, once, then added to each bias gradient
    const sum = biasScratch(G);
    sum.fill(0, 0, G);
    for (let r = 0; r < T * B; r++) {
      const base = r * G;
      for (let j = 0; j < G; j++) sum[j] = sum[j]! + dZ[base + j]!;
    }
    if (a.dbih) for (let j = 0; j < G; j++) a.dbih[j] = a.dbih[j]! + sum[j]!;
    if (a.dbhh) for (let j = 0; j < G; j++) a.dbhh[j] = a.dbhh[j]! + sum[j]!;
  }
  if (a.dx) matmulCpu(dZ, wih, a.dx, T * B, G, D, false, false, false);
}
