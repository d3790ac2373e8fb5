// bench/fma-peak.ts's loops compute what they say: K chains of acc·m + c, and the
// product tile's acc += a·b over its L1 buffers (pointers starting again every 32
// trips), checked against float32 arithmetic in TypeScript; the fused build where
// the engine fuses.
import { describe, expect, it } from 'vitest';
import { fmaAvailable } from '../../src/backends/wasm/variant.js';
import { chainKernel, instantiate, OUT, tileKernel, UNROLL } from '../../bench/lib/peak-kernels.js';

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

  it.each([1, 4, 6])('tile %i×8: acc[r][j] += A[r] · B[j] over the L1 buffers, wrapping after 32 trips', (rows) => {
    const { plain, fused: fusedFn, memory } = instantiate((fu) => tileKernel(rows, fu), fused);
    const mem = new Float32Array(memory.buffer).slice();
    const trips = 35; // past one wrap
    const ref = (fma: boolean) => {
      const acc = Array.from({ length: rows * 2 }, () => [0, 0, 0, 0]);
      for (let t = 0; t < trips; t++) {
        const tw = t % 32;
        const pa = (4 * rows * UNROLL * tw) / 4, pb = (32 * UNROLL * tw) / 4;
        for (let u = 0; u < UNROLL; u++) {
          for (let r = 0; r < rows; r++) {
            const a = mem[pa + rows * u + r]!;
            for (let j = 0; j < 2; j++) {
              for (let l = 0; l < 4; l++) {
                const b = mem[(8192 + 32 * u + 16 * j) / 4 + pb + l]!;
                const v = acc[2 * r + j]!;
                v[l] = fma ? f(a * b + v[l]!) : f(f(a * b) + v[l]!);
              }
            }
          }
        }
      }
      return [0, 1, 2, 3].map((l) => sum(acc.map((v) => v[l]!)));
    };
    plain(trips);
    expect(out(memory)).toEqual(ref(false));
    if (fusedFn) {
      fusedFn(trips);
      out(memory).forEach((x, l) => expect(x).toBeCloseTo(ref(true)[l]!, 5));
    }
  });
});
