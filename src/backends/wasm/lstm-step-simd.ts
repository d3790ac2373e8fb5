// One LSTM step on the SIMD path with W_hh pinned (src/backends/cpu/lstm.ts), the
// per-step product and the gate kernels working in the same WebAssembly memory:
// forward, the gates read the product's result where it lies; backward, the gates
// write dz where the product reads its left operand. Separate calls (each module on
// its own memory) would copy that result out and into the other memory every step:
// about 40 % of a forward step's copies and 20 % of a backward step's. The same
// kernels run on the same values in the same order, so the results are the bits of
// the separate calls (test/backends/lstm-step.test.ts). h_t and c_t still go out to
// the caller's arrays and come back in at the next step.
//
// Layout (floats, ./matmul-simd.ts pinnedLayout): [pinned W_hh][packed A][C: offC]
// [A's copy: raw][the gates' other operands: end …].
import { matmulSimdPinnedResident, pinnedLayout } from './matmul-simd.js';
import { gatesOn } from './lstm-gates-simd.js';

/**
 * Forward step over n rows, W_hh pinned transposed (op(B) = W_hhᵀ [H, 4H]):
 * z += h_{t−1}·W_hhᵀ, then the gates as gatesForwardSimd: z (n × 4H, the input
 * projection in, the activated gates out), c_t and h_t written from c_{t−1}.
 */
export function lstmForwardStepSimd(hPrev: Float32Array, z: Float32Array, cPrev: Float32Array, c: Float32Array, h: Float32Array, n: number, H: number, fused: boolean): void {
  const nz = n * 4 * H, ns = n * H;
  const L = pinnedLayout(n, 3 * ns);
  const mem = L.f32;
  const op = L.end, oc = op + ns, oh = oc + ns;
  mem.set(z.subarray(0, nz), L.offC); // rows 4H apart, as C's (H a multiple of 4: 4H fills whole column panels)
  mem.set(cPrev.subarray(0, ns), op);
  matmulSimdPinnedResident(hPrev, null, n, true, fused);
  gatesOn(L.memory, fused).forward(L.offC * 4, op * 4, oc * 4, oh * 4, n, H);
  z.set(mem.subarray(L.offC, L.offC + nz));
  c.set(mem.subarray(oc, oc + ns));
  h.set(mem.subarray(oh, oh + ns));
}

/**
 * Backward step over n rows, W_hh pinned as stored (op(B) = W_hh [4H, H]): the gates
 * as gatesBackwardSimd (dz written to `dz`, dcNext replaced by dc·f), then
 * dhNext = dz·W_hh with dz read where the gates wrote it. Arguments are the
 * step's rows (views): gates and dz n × 4H, the others n × H.
 */
export function lstmBackwardStepSimd(gates: Float32Array, cs: Float32Array, cPrev: Float32Array, dhs: Float32Array, dhNext: Float32Array, dcNext: Float32Array, dz: Float32Array, n: number, H: number, fused: boolean): void {
  const nz = n * 4 * H, ns = n * H;
  const L = pinnedLayout(n, nz + 5 * ns);
  const mem = L.f32;
  const og = L.end, oc = og + nz, op = oc + ns, odhs = op + ns, odh = odhs + ns, odc = odh + ns;
  mem.set(gates.subarray(0, nz), og);
  mem.set(cs.subarray(0, ns), oc);
  mem.set(cPrev.subarray(0, ns), op);
  mem.set(dhs.subarray(0, ns), odhs);
  mem.set(dhNext.subarray(0, ns), odh);
  mem.set(dcNext.subarray(0, ns), odc);
  // dz goes where the product expects A's copy: at raw, the padding rows (up to a multiple of 4) zero
  mem.fill(0, L.raw + nz, L.raw + Math.ceil(n / 4) * 4 * 4 * H);
  gatesOn(L.memory, fused).backward(og * 4, oc * 4, op * 4, odhs * 4, odh * 4, odc * 4, L.raw * 4, n, H);
  dz.set(mem.subarray(L.raw, L.raw + nz));
  dcNext.set(mem.subarray(odc, odc + ns));
  matmulSimdPinnedResident(null, dhNext, n, false, fused);
}
