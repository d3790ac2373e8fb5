// The fused LSTM kernels (src/backends/cpu/lstm.ts: fused gate loops, scratch
// reuse, W_hh pinned in the SIMD module's memory) against the original reference
// kernels, for float64 and for float32 with every kernel variant this engine has
// (src/backends/wasm/variant.ts: fused SIMD, SIMD, TypeScript).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LstmBackwardArgs, LstmForwardArgs } from '../../src/backends/backend.js';
import { lstmBackwardCpu, lstmForwardCpu } from '../../src/backends/cpu/lstm.js';
import { kernelsHere, type Kernels } from '../../src/backends/wasm/variant.js';
import { lstmBackwardReference, lstmForwardReference } from '../../src/backends/cpu/lstm-reference.js';
import type { FloatArray } from '../../src/tensor/dtype.js';

interface LstmCase {
  T: number;
  B: number;
  D: number;
  H: number;
  f64: boolean;
  kernels: Kernels;
  /** bit i: output i of backward (dx, dh0, dc0, dwih, dwhh, dbih, dbhh) is requested */
  outs: number;
  seed: number;
}

function rand(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s / 4294967296) * 2 - 1;
  };
}

function run(cs: LstmCase): void {
  const { T, B, D, H, f64, outs } = cs;
  const G = 4 * H;
  const r = rand(cs.seed);
  const make = (n: number, fill = true): FloatArray => {
    const x = f64 ? new Float64Array(n) : new Float32Array(n);
    if (fill) for (let i = 0; i < n; i++) x[i] = r();
    return x;
  };
  const inputs = { T, B, D, H, x: make(T * B * D), h0: make(B * H), c0: make(B * H), wih: make(G * D), whh: make(G * H), bih: make(G), bhh: make(G) };
  const fwd = (): LstmForwardArgs => ({ ...inputs, gates: make(T * B * G, false), cs: make(T * B * H, false), hs: make(T * B * H, false) });
  const ref = fwd(), got = fwd();
  lstmForwardReference(ref);
  lstmForwardCpu(got, cs.kernels);
  const tol = f64 ? 1e-12 : 2e-5;
  const close = (what: string, g: FloatArray, e: FloatArray) => {
    for (let i = 0; i < e.length; i++) {
      if (!(Math.abs(g[i]! - e[i]!) <= tol * (1 + Math.abs(e[i]!)))) expect.fail(`${what}[${i}] = ${g[i]}, reference ${e[i]} for ${JSON.stringify(cs)}`);
    }
  };
  close('gates', got.gates, ref.gates);
  close('cs', got.cs, ref.cs);
  close('hs', got.hs, ref.hs);

  const dhs = make(T * B * H), dcT = make(B * H);
  const sizes = [T * B * D, B * H, B * H, G * D, G * H, G, G];
  const init = sizes.map((n) => make(n)); // accumulated outputs start non-zero
  const back = (): LstmBackwardArgs => {
    const o = sizes.map((_, i) => ((outs >> i) & 1 ? init[i]!.slice() : null));
    return { ...ref, dhs, dcT, dx: o[0]!, dh0: o[1]!, dc0: o[2]!, dwih: o[3]!, dwhh: o[4]!, dbih: o[5]!, dbhh: o[6]! };
  };
  const bRef = back(), bGot = back();
  lstmBackwardReference(bRef);
  lstmBackwardCpu(bGot, cs.kernels);
  const names = ['dx', 'dh0', 'dc0', 'dwih', 'dwhh', 'dbih', 'dbhh'] as const;
  for (const n of names) {
    const e = bRef[n], g = bGot[n];
    if (e && g) close(n, g, e);
  }
}

const caseArb = fc.record({
  T: fc.integer({ min: 1, max: 4 }),
  B: fc.integer({ min: 1, max: 9 }),
  D: fc.integer({ min: 1, max: 12 }),
  H: fc.integer({ min: 1, max: 24 }),
  f64: fc.boolean(),
  kernels: fc.constantFrom(...kernelsHere()),
  outs: fc.integer({ min: 0, max: 127 }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

describe('lstmForwardCpu / lstmBackwardCpu vs the reference kernels', () => {
  it(`agree on random shapes, dtypes, kernel variants (${kernelsHere().join(', ')}) and requested outputs`, () => {
    fc.assert(fc.property(caseArb, run), { numRuns: 150 });
  });

  it('agree on shapes where W_hh is pinned for the SIMD kernel, twice in a row (scratch reuse)', () => {
    for (const kernels of kernelsHere()) {
      run({ T: 5, B: 8, D: 7, H: 33, f64: false, kernels, outs: 127, seed: 11 });
      run({ T: 3, B: 4, D: 5, H: 16, f64: false, kernels, outs: 127, seed: 12 });
      run({ T: 5, B: 8, D: 7, H: 33, f64: true, kernels, outs: 127, seed: 13 });
    }
  });
});
