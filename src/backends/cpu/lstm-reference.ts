// The reference LSTM kernels: the original, simple implementation (with the reference
// matmul), kept as the ground truth that ./lstm.ts is tested against.
//
// One LSTM layer over a chunk of T steps, gate order i, f, g, o (torch.nn.LSTM):
//   z   = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
//   i,f,g,o = σ(z_i), σ(z_f), tanh(z_g), σ(z_o)
//   c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
// Rows are time-major: row t*B+b is step t of batch row b.
import type { LstmBackwardArgs, LstmForwardArgs } from '../backend.js';
import { allocate, dtypeOf, type FloatArray } from '../../tensor/dtype.js';
import { matmulReference } from './matmul-reference.js';

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function lstmForwardReference(a: LstmForwardArgs): void {
  const { T, B, D, H, x, h0, c0, wih, whh, bih, bhh, gates, cs, hs } = a;
  const G = 4 * H;
  // The input projection of all T steps at once: gates[t*B+b] = W_ih x + b_ih + b_hh.
  matmulReference(x, wih, gates, T * B, D, G, false, true, false);
  for (let r = 0; r < T * B; r++) {
    const base = r * G;
    for (let j = 0; j < G; j++) gates[base + j] = gates[base + j]! + (bih[j]! + bhh[j]!);
  }
  for (let t = 0; t < T; t++) {
    const hPrev = t === 0 ? h0 : hs.subarray((t - 1) * B * H, t * B * H);
    const cPrev = t === 0 ? c0 : cs.subarray((t - 1) * B * H, t * B * H);
    const z = gates.subarray(t * B * G, (t + 1) * B * G);
    matmulReference(hPrev, whh, z, B, H, G, false, true, true); // z += W_hh h_{t-1}
    for (let b = 0; b < B; b++) {
      const zb = b * G;
      const sb = b * H;
      const out = t * B * H + sb;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(z[zb + j]!);
        const f = sigmoid(z[zb + H + j]!);
        const g = Math.tanh(z[zb + 2 * H + j]!);
        const o = sigmoid(z[zb + 3 * H + j]!);
        z[zb + j] = i;
        z[zb + H + j] = f;
        z[zb + 2 * H + j] = g;
        z[zb + 3 * H + j] = o;
        const c = f * cPrev[sb + j]! + i * g;
        cs[out + j] = c;
        hs[out + j] = o * Math.tanh(cs[out + j]!);
      }
    }
  }
}

export function lstmBackwardReference(a: LstmBackwardArgs): void {
  const { T, B, D, H, x, h0, c0, wih, whh, gates, cs, hs, dhs, dcT } = a;
  const G = 4 * H;
  const dtype = dtypeOf(gates);
  const dZ = allocate(dtype, T * B * G); // gradient at the pre-activations z
  const dhNext = allocate(dtype, B * H); // gradient reaching h_t from step t+1
  const dcNext: FloatArray = allocate(dtype, B * H);
  dcNext.set(dcT);
  for (let t = T - 1; t >= 0; t--) {
    const cPrev = t === 0 ? c0 : cs.subarray((t - 1) * B * H, t * B * H);
    for (let b = 0; b < B; b++) {
      const zb = (t * B + b) * G;
      const sb = b * H;
      const row = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        const i = gates[zb + j]!, f = gates[zb + H + j]!, g = gates[zb + 2 * H + j]!, o = gates[zb + 3 * H + j]!;
        const tc = Math.tanh(cs[row + j]!);
        const dh = dhs[row + j]! + dhNext[sb + j]!;
        const dc = dcNext[sb + j]! + dh * o * (1 - tc * tc);
        dZ[zb + j] = dc * g * i * (1 - i);
        dZ[zb + H + j] = dc * cPrev[sb + j]! * f * (1 - f);
        dZ[zb + 2 * H + j] = dc * i * (1 - g * g);
        dZ[zb + 3 * H + j] = dh * tc * o * (1 - o);
        dcNext[sb + j] = dc * f;
      }
    }
    // dh_{t-1} = dz_t W_hh
    matmulReference(dZ.subarray(t * B * G, (t + 1) * B * G), whh, dhNext, B, G, H, false, false, false);
  }
  if (a.dh0) a.dh0.set(dhNext);
  if (a.dc0) a.dc0.set(dcNext);
  if (a.dwhh) {
    // dW_hh += Σ_t dz_tᵀ h_{t-1}: h_{t-1} is h0 for t=0 and hs[t-1] after.
    matmulReference(dZ.subarray(0, B * G), h0, a.dwhh, G, B, H, true, false, true);
    if (T > 1) matmulReference(dZ.subarray(B * G), hs.subarray(0, (T - 1) * B * H), a.dwhh, G, (T - 1) * B, H, true, false, true);
  }
  if (a.dwih) matmulReference(dZ, x, a.dwih, G, T * B, D, true, false, true);
  if (a.dbih || a.dbhh) {
    for (let r = 0; r < T * B; r++) {
      const base = r * G;
      for (let j = 0; j < G; j++) {
        const d = dZ[base + j]!;
        if (a.dbih) a.dbih[j] = a.dbih[j]! + d;
        if (a.dbhh) a.dbhh[j] = a.dbhh[j]! + d;
      }
    }
  }
  if (a.dx) matmulReference(dZ, wih, a.dx, T * B, G, D, false, false, false);
}
