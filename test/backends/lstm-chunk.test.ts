// An LSTM chunk resident in WebAssembly memory (src/backends/wasm/lstm-chunk-simd.ts)
// gives exactly the bits of the per-step calls it replaces (the input projection as
// one SIMD product over all rows, then per step the pinned product and the gate
// kernels in their own memory), for every SIMD variant this engine has, for a
// share b0..b1 of the batch rows, and leaves the other rows and the pinned W_hh alone.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmulSimd, matmulSimdPinned, simdPinB } from '../../src/backends/wasm/matmul-simd.js';
import { gatesBackwardSimd, gatesForwardSimd } from '../../src/backends/wasm/lstm-gates-simd.js';
import { lstmBackwardChunkSimd, lstmForwardChunkSimd } from '../../src/backends/wasm/lstm-chunk-simd.js';
import { isFused, isSimd, kernelsHere } from '../../src/backends/wasm/variant.js';

const variants = kernelsHere().filter(isSimd);

function rand(seed: number): (n: number, scale?: number) => Float32Array {
  let s = seed >>> 0 || 1;
  return (n, scale = 1) => Float32Array.from({ length: n }, () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return ((s / 4294967296) * 2 - 1) * scale;
  });
}

const same = (what: string, got: Float32Array, want: Float32Array) => {
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect.fail(`${what}[${i}] = ${got[i]}, per-step calls ${want[i]}`);
};

/** The rows b0..b1 of each step: [T, n, w] gathered from [T·B, w]. */
const rowsOf = (x: Float32Array, T: number, B: number, b0: number, b1: number, w: number) => {
  const out = new Float32Array(T * (b1 - b0) * w);
  for (let t = 0; t < T; t++) out.set(x.subarray((t * B + b0) * w, (t * B + b1) * w), t * (b1 - b0) * w);
  return out;
};

describe.skipIf(variants.length === 0)('LSTM chunk resident in wasm memory', () => {
  const shapes = fc.record({
    T: fc.integer({ min: 1, max: 5 }), B: fc.integer({ min: 1, max: 13 }), cut: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
    D: fc.integer({ min: 1, max: 20 }), H4: fc.integer({ min: 1, max: 12 }), seed: fc.integer({ min: 1, max: 1e9 }), v: fc.integer({ min: 0, max: variants.length - 1 }), project: fc.boolean(),
  });
  const range = (B: number, [u, w]: [number, number]): [number, number] => {
    const a = Math.floor(Math.min(u, w) * B), b = Math.max(a + 1, Math.ceil(Math.max(u, w) * B));
    return [Math.min(a, B - 1), Math.min(b, B)];
  };

  it('forward: gates, c and h as the input product, then per step the pinned product and gatesForwardSimd', () => {
    fc.assert(fc.property(shapes, ({ T, B, cut, D, H4, seed, v, project }) => {
      const H = 4 * H4, G = 4 * H, fused = isFused(variants[v]!), r = rand(seed), [b0, b1] = range(B, cut), n = b1 - b0;
      const x = r(T * B * D), h0 = r(B * H), c0 = r(B * H), wih = r(G * D, 0.3), whh = r(G * H, 0.3), bih = r(G, 0.1), bhh = r(G, 0.1);
      // reference: lstmInputRows with the SIMD product, then the per-step calls on rows b0..b1
      const zRef = new Float32Array(T * B * G);
      for (let row = 0; row < T * B; row++) for (let j = 0; j < G; j++) zRef[row * G + j] = bih[j]! + bhh[j]!;
      matmulSimd(x, wih, zRef, T * B, D, G, false, true, true, fused);
      const pre = zRef.slice(), cRef = new Float32Array(T * B * H), hRef = new Float32Array(T * B * H);
      simdPinB(whh, H, G, true);
      for (let t = 0; t < T; t++) {
        const row = t * B + b0;
        const hPrev = t === 0 ? h0.slice(b0 * H, b1 * H) : hRef.slice((row - B) * H, (row - B + n) * H);
        const z = zRef.subarray(row * G, (row + n) * G);
        matmulSimdPinned(hPrev, z, n, false, true, fused);
        gatesForwardSimd(zRef, row * G, t === 0 ? c0 : cRef, t === 0 ? b0 * H : (row - B) * H, cRef, hRef, row * H, n, H, fused);
      }
      const gates = project ? new Float32Array(T * B * G).fill(7) : pre.slice();
      const cs = new Float32Array(T * B * H).fill(7), hs = new Float32Array(T * B * H).fill(7);
      simdPinB(whh, H, G, true);
      lstmForwardChunkSimd({ T, B, D, H, x, h0, c0, wih, whh, bih, bhh, gates, cs, hs }, b0, b1, project, fused);
      same('gates', rowsOf(gates, T, B, b0, b1, G), rowsOf(zRef, T, B, b0, b1, G));
      same('c', rowsOf(cs, T, B, b0, b1, H), rowsOf(cRef, T, B, b0, b1, H));
      same('h', rowsOf(hs, T, B, b0, b1, H), rowsOf(hRef, T, B, b0, b1, H));
      // the other rows untouched
      const others = (a: Float32Array, w: number, fill: Float32Array | null) => { for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (b < b0 || b >= b1) for (let j = 0; j < w; j++) if (a[(t * B + b) * w + j] !== (fill ? fill[(t * B + b) * w + j] : 7)) expect.fail(`row ${t * B + b} written`); };
      others(gates, G, project ? null : pre);
      others(cs, H, null);
      others(hs, H, null);
      // the pinned W_hh as it was
      const y = r(n * H), p1 = new Float32Array(n * G), p2 = new Float32Array(n * G);
      matmulSimdPinned(y, p1, n, false, false, fused);
      matmulSimd(y, whh, p2, n, H, G, false, true, false, fused);
      same('product after the chunk', p1, p2);
    }), { numRuns: 60 });
  });

  it('backward: dZ, dh and dc as gatesBackwardSimd then the pinned product, per step', () => {
    fc.assert(fc.property(shapes, ({ T, B, cut, H4, seed, v }) => {
      const H = 4 * H4, G = 4 * H, fused = isFused(variants[v]!), r = rand(seed), [b0, b1] = range(B, cut), n = b1 - b0;
      const whh = r(G * H, 0.3), gates = r(T * B * G).map((x) => 0.5 + 0.4 * x), cs = r(T * B * H), c0 = r(B * H), dhs = r(T * B * H);
      const dhIn = r(n * H), dcIn = r(n * H);
      simdPinB(whh, G, H, false);
      const dZRef = new Float32Array(T * B * G), dhNext = new Float32Array(B * H), dcNext = new Float32Array(B * H);
      dhNext.set(dhIn, b0 * H);
      dcNext.set(dcIn, b0 * H);
      for (let t = T - 1; t >= 0; t--) {
        gatesBackwardSimd(t * B + b0, n, H, gates, cs, t === 0 ? c0 : cs, (t === 0 ? 0 : (t - 1) * B * H) + b0 * H, dhs, dhNext, dcNext, b0 * H, dZRef, fused);
        matmulSimdPinned(dZRef.slice((t * B + b0) * G, (t * B + b1) * G), dhNext.subarray(b0 * H, b1 * H), n, false, false, fused);
      }
      const dZ = new Float32Array(T * B * G).fill(7), dh = dhIn.slice(), dc = dcIn.slice();
      const a = { T, B, D: 1, H, x: new Float32Array(0), h0: new Float32Array(0), c0, wih: new Float32Array(0), whh, gates, cs, hs: new Float32Array(0), dhs, dcT: new Float32Array(0), dx: null, dh0: null, dc0: null, dwih: null, dwhh: null, dbih: null, dbhh: null };
      lstmBackwardChunkSimd(a, dZ, dh, dc, b0, b1, fused);
      same('dZ', rowsOf(dZ, T, B, b0, b1, G), rowsOf(dZRef, T, B, b0, b1, G));
      same('dh', dh, dhNext.slice(b0 * H, b1 * H));
      same('dc', dc, dcNext.slice(b0 * H, b1 * H));
      for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) if (b < b0 || b >= b1) for (let j = 0; j < G; j++) if (dZ[(t * B + b) * G + j] !== 7) expect.fail(`dZ row ${t * B + b} written`);
    }), { numRuns: 60 });
  });
});
