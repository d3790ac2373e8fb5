// One LSTM layer's chunk of T steps on the SIMD path with W_hh pinned
// (src/backends/cpu/lstm.ts), for batch rows b0..b1, with everything the steps pass
// to each other resident in the product's WebAssembly memory: the chunk's inputs go
// in once, its outputs come out once, and between steps nothing leaves the memory.
// Forward, the input projection is computed there too (rows b_ih + b_hh, W_ih x
// accumulated onto them), each step's product accumulates onto its rows, the gate
// kernels turn them into the activated gates in place, and h_t, c_t are written
// where the next step's product and gates read them. Backward, dhNext and dcNext
// stay in the memory across steps and dz is written where the product reads it.
//
// Bits: every element is computed by the same kernels (product and gates) on the
// same values in the same order as the per-step calls: a product's output row
// depends only on its own row of A and the depth blocking, whatever the other
// rows (the threaded backend's split relies on the same fact). So the input
// projection of this share's rows alone gives the bits of the whole product, as
// long as the whole product would have run in the SIMD kernel (the caller decides).
// test/backends/lstm-chunk.test.ts checks this against the per-step calls.
//
// The product writes whole tiles of MR rows, so every step's block of rows that is
// a product's A or C is roundUp(n, MR) rows long, the padding rows of A zero.
import type { LstmBackwardArgs, LstmForwardArgs } from '../backend.js';
import { matmulSimdInMemory, MR, NR, scratchBase, simdMemory, type Layout } from './matmul-simd.js';
import { gatesOn } from './lstm-gates-simd.js';

const align16 = (n: number) => (n + 15) & ~15;
const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const f32 = (x: unknown) => x as Float32Array;

/** Copies the rows b0..b0+n of each of T steps (B rows of w floats a step) of src into mem at dst, `stride` floats a step apart. */
function gather(mem: Float32Array, dst: number, stride: number, src: Float32Array, T: number, B: number, b0: number, n: number, w: number): void {
  for (let t = 0; t < T; t++) mem.set(src.subarray((t * B + b0) * w, (t * B + b0 + n) * w), dst + t * stride);
}

/** The inverse of gather: the blocks at src (`stride` floats apart, from block `first`) back to rows b0..b0+n of each step of out. */
function scatter(mem: Float32Array, src: number, stride: number, out: Float32Array, T: number, B: number, b0: number, n: number, w: number): void {
  for (let t = 0; t < T; t++) out.set(mem.subarray(src + t * stride, src + t * stride + n * w), (t * B + b0) * w);
}

/** Zeroes rows n..Mp of each of `blocks` blocks of Mp rows of w floats at `at`. */
function zeroPadding(mem: Float32Array, at: number, blocks: number, n: number, Mp: number, w: number): void {
  if (Mp === n) return;
  for (let t = 0; t < blocks; t++) mem.fill(0, at + (t * Mp + n) * w, at + (t + 1) * Mp * w);
}

/**
 * Forward over batch rows b0..b1 (W_hh pinned transposed, op(B) = W_hhᵀ [H, 4H]):
 * gates, cs and hs of those rows written. `project`: compute the input projection
 * here; else `gates` already holds these rows' pre-activations (lstmInputRows).
 */
export function lstmForwardChunkSimd(a: LstmForwardArgs, b0: number, b1: number, project: boolean, fused: boolean): void {
  const { T, B, D, H } = a;
  const G = 4 * H, n = b1 - b0, Mp = roundUp(n, MR), ns = n * H;
  const offA = scratchBase();
  const offB = align16(offA + Math.max(project ? T * Mp * D : 0, Mp * H));
  const rawB = align16(offB + (project ? D * G : 0));
  const rawX = align16(rawB + (project ? G * D : 0));
  const Z = align16(rawX + (project ? T * Mp * D : 0)); // T blocks of Mp × 4H: pre-activations, then the gates
  const HS = align16(Z + T * Mp * G); // T + 1 blocks of Mp × H: h0, then h_t
  const CS = align16(HS + (T + 1) * Mp * H); // T + 1 blocks of n × H: c0, then c_t
  const { memory, f32: mem } = simdMemory(CS + (T + 1) * ns);
  if (project) {
    // the rows start as the bias, rounded to float32 as lstmInputRows stores it
    const { bih, bhh } = a;
    for (let j = 0; j < G; j++) mem[Z + j] = bih[j]! + bhh[j]!;
    for (let r = 1; r < T * Mp; r++) mem.copyWithin(Z + r * G, Z, Z + G);
    gather(mem, rawX, Mp * D, f32(a.x), T, B, b0, n, D);
    zeroPadding(mem, rawX, T, n, Mp, D);
    matmulSimdInMemory(f32(a.wih), T * Mp, D, G, true, true, { offB, offA, offC: Z, rawA: rawX, rawB }, fused);
  } else gather(mem, Z, Mp * G, f32(a.gates), T, B, b0, n, G);
  mem.set(f32(a.h0).subarray(b0 * H, b1 * H), HS);
  zeroPadding(mem, HS, T + 1, n, Mp, H);
  mem.set(f32(a.c0).subarray(b0 * H, b1 * H), CS);
  const gates = gatesOn(memory, fused);
  for (let t = 0; t < T; t++) {
    const z = Z + t * Mp * G;
    const at: Layout = { offB: 0, offA, offC: z, rawA: HS + t * Mp * H, rawB: 0 };
    matmulSimdInMemory(null, n, H, G, false, true, at, fused); // z += h_{t−1}·W_hhᵀ
    gates.forward(z * 4, (CS + t * ns) * 4, (CS + (t + 1) * ns) * 4, (HS + (t + 1) * Mp * H) * 4, n, H);
  }
  scatter(mem, Z, Mp * G, f32(a.gates), T, B, b0, n, G);
  scatter(mem, CS + ns, ns, f32(a.cs), T, B, b0, n, H);
  scatter(mem, HS + Mp * H, Mp * H, f32(a.hs), T, B, b0, n, H);
}

/**
 * Backward over batch rows b0..b1 from step T−1 down to 0 (W_hh pinned as stored,
 * op(B) = W_hh [4H, H]): these rows of dZ written; dh and dc (this share's n × H
 * rows of dhNext, dcNext: zero and dc_T on entry) end as the gradients at h0, c0.
 */
export function lstmBackwardChunkSimd(a: LstmBackwardArgs, dZ: Float32Array, dh: Float32Array, dc: Float32Array, b0: number, b1: number, fused: boolean): void {
  const { T, B, H } = a;
  const G = 4 * H, n = b1 - b0, Mp = roundUp(n, MR), ns = n * H, Npad = roundUp(H, NR);
  const offA = scratchBase();
  const offC = align16(offA + Mp * G); // the product's result, Mp × Npad
  const GT = align16(offC + Mp * Npad); // T blocks of n × 4H: the saved gates
  const CP = align16(GT + T * n * G); // T + 1 blocks of n × H: c0, then c_t
  const DHS = align16(CP + (T + 1) * ns); // T blocks of n × H
  const DH = Npad === H ? offC : align16(DHS + T * ns); // dhNext: the product writes it in place when its rows are H apart
  const DC = align16(Math.max(DH, DHS + T * ns) + ns);
  const DZ = align16(DC + ns); // T blocks of Mp × 4H
  const { memory, f32: mem } = simdMemory(DZ + T * Mp * G);
  gather(mem, GT, n * G, f32(a.gates), T, B, b0, n, G);
  mem.set(f32(a.c0).subarray(b0 * H, b1 * H), CP);
  gather(mem, CP + ns, ns, f32(a.cs), T, B, b0, n, H);
  gather(mem, DHS, ns, f32(a.dhs), T, B, b0, n, H);
  mem.set(dh.subarray(0, ns), DH);
  mem.set(dc.subarray(0, ns), DC);
  zeroPadding(mem, DZ, T, n, Mp, G);
  const gates = gatesOn(memory, fused);
  for (let t = T - 1; t >= 0; t--) {
    const dz = DZ + t * Mp * G;
    gates.backward((GT + t * n * G) * 4, (CP + (t + 1) * ns) * 4, (CP + t * ns) * 4, (DHS + t * ns) * 4, DH * 4, DC * 4, dz * 4, n, H);
    matmulSimdInMemory(null, n, G, H, false, false, { offB: 0, offA, offC, rawA: dz, rawB: 0 }, fused); // dhNext = dz·W_hh
    if (DH !== offC) for (let r = 0; r < n; r++) mem.copyWithin(DH + r * H, offC + r * Npad, offC + r * Npad + H);
  }
  scatter(mem, DZ, Mp * G, dZ, T, B, b0, n, G);
  dh.set(mem.subarray(DH, DH + ns));
  dc.set(mem.subarray(DC, DC + ns));
}
