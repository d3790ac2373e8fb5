// One LSTM layer's chunk of T steps on the SIMD path with W_hh pinned
// (src/backends/cpu/lstm.ts), for batch rows b0..b1, with what the steps pass to
// each other resident in the product's WebAssembly memory. Forward, the input
// projection is computed there (rows b_ih + b_hh, W_ih x accumulated onto them),
// each step's product accumulates onto its rows, the gate kernels turn them into
// the activated gates in place, and h_t, c_t are written where the next step's
// product and gates read them. Backward, dhNext and dcNext stay in the memory across
// steps and dz is written where the product reads it. What the caller keeps (gates,
// c_t, h_t; dZ) is copied out right after each step, and backward's saved activations
// in right before it, while they are in cache: copying a whole chunk in or out at
// once moved as many bytes and measured no faster (docs/performance.md).
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
    const c = CS + (t + 1) * ns, h = HS + (t + 1) * Mp * H, row = t * B + b0;
    gates.forward(z * 4, (CS + t * ns) * 4, c * 4, h * 4, n, H);
    // the step's outputs go out now, while they are in cache (after the chunk they would be read back from memory)
    f32(a.gates).set(mem.subarray(z, z + n * G), row * G);
    f32(a.cs).set(mem.subarray(c, c + ns), row * H);
    f32(a.hs).set(mem.subarray(h, h + ns), row * H);
  }
}

/**
 * Backward over batch rows b0..b1 from step T−1 down to 0 (W_hh pinned as stored,
 * op(B) = W_hh [4H, H]): these rows of dZ written; dh and dc (this share's n × H
 * rows of dhNext, dcNext: zero and dc_T on entry) end as the gradients at h0, c0.
 * A step's saved gates, c_{t−1} and dhs go in right before it and its dz comes out
 * right after, from the same few buffers, so that they are in cache: the whole
 * chunk laid out at once measured slower. c_t is the previous step's c_{t−1}, left in place.
 */
export function lstmBackwardChunkSimd(a: LstmBackwardArgs, dZ: Float32Array, dh: Float32Array, dc: Float32Array, b0: number, b1: number, fused: boolean): void {
  const { T, B, H } = a;
  const G = 4 * H, n = b1 - b0, Mp = roundUp(n, MR), ns = n * H, Npad = roundUp(H, NR);
  const cs = f32(a.cs), c0 = f32(a.c0), saved = f32(a.gates), dhs = f32(a.dhs);
  const offA = scratchBase();
  const offC = align16(offA + Mp * G); // the product's result, Mp × Npad
  const GT = align16(offC + Mp * Npad); // the step's saved gates, n × 4H
  const CA = align16(GT + n * G), CB = align16(CA + ns); // c_t and c_{t−1}, swapping roles each step
  const DHS = align16(CB + ns);
  const DH = Npad === H ? offC : align16(DHS + ns); // dhNext: the product writes it in place when its rows are H apart
  const DC = align16(Math.max(DH, DHS) + ns);
  const DZ = align16(DC + ns); // Mp × 4H, the padding rows zero: the product's A
  const { memory, f32: mem } = simdMemory(DZ + Mp * G);
  mem.set(dh.subarray(0, ns), DH);
  mem.set(dc.subarray(0, ns), DC);
  zeroPadding(mem, DZ, 1, n, Mp, G);
  const gates = gatesOn(memory, fused);
  let ct = CA, cp = CB;
  mem.set(cs.subarray(((T - 1) * B + b0) * H, ((T - 1) * B + b1) * H), ct);
  for (let t = T - 1; t >= 0; t--) {
    const r = t * B + b0;
    mem.set(saved.subarray(r * G, (r + n) * G), GT);
    mem.set(t === 0 ? c0.subarray(b0 * H, b1 * H) : cs.subarray((r - B) * H, (r - B + n) * H), cp);
    mem.set(dhs.subarray(r * H, (r + n) * H), DHS);
    gates.backward(GT * 4, ct * 4, cp * 4, DHS * 4, DH * 4, DC * 4, DZ * 4, n, H);
    dZ.set(mem.subarray(DZ, DZ + n * G), r * G);
    matmulSimdInMemory(null, n, G, H, false, false, { offB: 0, offA, offC, rawA: DZ, rawB: 0 }, fused); // dhNext = dz·W_hh
    if (DH !== offC) for (let i = 0; i < n; i++) mem.copyWithin(DH + i * H, offC + i * Npad, offC + i * Npad + H);
    [ct, cp] = [cp, ct];
  }
  dh.set(mem.subarray(DH, DH + ns));
  dc.set(mem.subarray(DC, DC + ns));
}
