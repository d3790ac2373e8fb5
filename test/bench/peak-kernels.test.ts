// bench/fma-peak.ts's loop computes what it says: K chains of acc·m + c, checked
// against float32 arithmetic in TypeScript; the fused build where the engine fuses.
import { describe, expect, it } from 'vitest';
import { fmaAvailable } from '../../src/backends/wasm/variant.js';
import { chainKernel, instantiate, OUT, UNROLL } from '../../bench/lib/peak-kernels.js';

const f = Math.fround;
const fused = fmaAvailable();

/** The stored sum's four lanes (all equal for the chains). */
const out = (m: WebAssembly.Memory) => Array.from(new Float32Array(m.buffer, OUT, 4));

/** Accumulators in order, summed in float32 as the kernel does. */
const sum = (acc: number[]) => acc.slice(1).reduce((s, x) => f(s + x), acc[0]!);

describe('fma-peak kernels', () => {
  it.each([1, 3, 8])('chain K %i: acc_i = acc_i·0.9999 + 1e-4 from i/100, UNROLL rounds a trip', (k) => {
    const { plain, fused: fusedFn, memory } = instantiate((fu) => chainKernel(k, fu), fused);
    const trips = 5;
    const ref = (fma: boolean) => {
      const acc = Array.from({ length: k }, (_, i) => f(i * 0.01));
      for (let r = 0; r < trips * UNROLL; r++) {
        for (let i = 0; i < k; i++) acc[i] = fma ? f(acc[i]! * f(0.9999) + f(1e-4)) : f(f(acc[i]! * f(0.9999)) + f(1e-4));
      }
      return sum(acc);
    };
    plain(trips);
    expect(out(memory)).toEqual(new Array(4).fill(ref(false)));
    if (fusedFn) {
      fusedFn(trips);
      for (const x of out(memory)) expect(x).toBeCloseTo(ref(true), 6);
    }
  });
});
