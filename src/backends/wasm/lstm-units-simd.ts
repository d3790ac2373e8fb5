// One LSTM layer's forward chunk for the hidden units u0..u1 only, all B rows, on the
// SIMD path (a thread's share when the threaded backend splits the recurrence by
// units: ../threads/jobs.ts). Split by batch rows instead, every thread streams all of
// the packed W_hh from memory at every step whatever its number of rows; split by
// units, each streams its own quarter-columns of the four gates, half of W_hh on two
// threads (docs/performance.md, "The split by batch rows costs the LSTM about 10 %").
// The price: every step's product needs all of h_{t−1}, so the threads write their
// units of h_t to the shared `hs` and wait for each other (`sync`) before the next step.
//
// Bits: as ./lstm-chunk-simd.ts. A product element depends only on its row of A, its
// column of B and the depth blocking, and the gates are elementwise, so this share's
// columns are the whole chunk's, bit for bit.
import type { LstmForwardArgs } from '../backend.js';
import { matmulSimdInMemory, MR, scratchBase, simdMemory, simdPinB } from './matmul-simd.js';
import { gatesOn } from './lstm-gates-simd.js';
import { align16, f32, gather, roundUp, zeroPadding } from './lstm-chunk-simd.js';

// this thread's rows of W_hh and W_ih, gate after gate (grow-only: a chunk a step would allocate them again)
let rowsScratch = new Float32Array(0);

/** Rows g·H + u0 .. g·H + u1 of w ([4H, width]) for g = 0..3, one gate after the other, in the reused scratch at `at`. */
function gateRows(w: Float32Array, H: number, u0: number, u1: number, width: number, at: number): Float32Array {
  const nu = u1 - u0, out = rowsScratch.subarray(at, at + 4 * nu * width);
  for (let g = 0; g < 4; g++) out.set(w.subarray((g * H + u0) * width, (g * H + u1) * width), g * nu * width);
  return out;
}

/**
 * Forward over hidden units u0..u1 (a multiple-of-4 count) for every batch row: these
 * units' columns of gates (all four gates), cs and hs written. `project`: compute
 * these columns of the input projection here; else `gates` already holds the
 * pre-activations. `sync` returns once every thread has written its units of h_t.
 */
export function lstmForwardUnitsSimd(a: LstmForwardArgs, u0: number, u1: number, project: boolean, fused: boolean, sync: () => void): void {
  const { T, B, D, H } = a;
  const G = 4 * H, nu = u1 - u0, Gu = 4 * nu, Mp = roundUp(B, MR), nc = B * nu;
  const need = Gu * H + (project ? Gu * D : 0);
  if (rowsScratch.length < need) rowsScratch = new Float32Array(need);
  simdPinB(gateRows(f32(a.whh), H, u0, u1, H, 0), H, Gu, true); // op(B) = these rows of W_hh, transposed: [H, 4·nu]
  const offA = scratchBase();
  const offB = align16(offA + Math.max(project ? T * Mp * D : 0, Mp * H));
  const rawB = align16(offB + (project ? D * Gu : 0));
  const rawX = align16(rawB + (project ? Gu * D : 0));
  const Z = align16(rawX + (project ? T * Mp * D : 0)); // T blocks of Mp × 4·nu: pre-activations, then the gates
  const HS = align16(Z + T * Mp * Gu); // Mp × H: h_{t−1}, all units (the product's A)
  const CS = align16(HS + Mp * H); // T + 1 blocks of B × nu: c0, then c_t of these units
  const HO = align16(CS + (T + 1) * nc); // B × nu: h_t of these units
  const { memory, f32: mem } = simdMemory(HO + nc);
  const col = (c: number) => Math.floor(c / nu) * H + u0 + (c % nu); // this share's column c in the 4H columns
  if (project) {
    const { bih, bhh } = a;
    for (let c = 0; c < Gu; c++) mem[Z + c] = bih[col(c)]! + bhh[col(c)]!;
    for (let r = 1; r < T * Mp; r++) mem.copyWithin(Z + r * Gu, Z, Z + Gu);
    gather(mem, rawX, Mp * D, f32(a.x), T, B, 0, B, D);
    zeroPadding(mem, rawX, T, B, Mp, D);
    matmulSimdInMemory(gateRows(f32(a.wih), H, u0, u1, D, Gu * H), T * Mp, D, Gu, true, true, { offB, offA, offC: Z, rawA: rawX, rawB }, fused);
  } else {
    const pre = f32(a.gates);
    for (let r = 0; r < T * B; r++) {
      const t = Math.floor(r / B), at = Z + (t * Mp + (r % B)) * Gu;
      for (let g = 0; g < 4; g++) mem.set(pre.subarray(r * G + g * H + u0, r * G + g * H + u1), at + g * nu);
    }
  }
  mem.set(f32(a.h0).subarray(0, B * H), HS);
  zeroPadding(mem, HS, 1, B, Mp, H);
  const c0 = f32(a.c0);
  for (let b = 0; b < B; b++) mem.set(c0.subarray(b * H + u0, b * H + u1), CS + b * nu);
  const gates = gatesOn(memory, fused);
  const outG = f32(a.gates), outC = f32(a.cs), outH = f32(a.hs);
  for (let t = 0; t < T; t++) {
    const z = Z + t * Mp * Gu;
    matmulSimdInMemory(null, B, H, Gu, false, true, { offB: 0, offA, offC: z, rawA: HS, rawB: 0 }, fused); // z += h_{t−1}·W_hhᵀ
    const c = CS + (t + 1) * nc;
    gates.forward(z * 4, (CS + t * nc) * 4, c * 4, HO * 4, B, nu);
    for (let b = 0; b < B; b++) {
      const row = t * B + b;
      for (let g = 0; g < 4; g++) outG.set(mem.subarray(z + b * Gu + g * nu, z + b * Gu + (g + 1) * nu), row * G + g * H + u0);
      outC.set(mem.subarray(c + b * nu, c + (b + 1) * nu), row * H + u0);
      outH.set(mem.subarray(HO + b * nu, HO + (b + 1) * nu), row * H + u0);
    }
    sync(); // every thread's units of h_t are in hs
    if (t + 1 < T) mem.set(outH.subarray(t * B * H, (t + 1) * B * H), HS);
  }
}
