// The fast plain-TypeScript matmul (src/backends/cpu/matmul.ts) and the CPU
// backend's dispatching entry point against the reference kernel, on random
// shapes, all transposes, accumulate, both dtypes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmulCpu, matmulTs } from '../../src/backends/cpu/matmul.js';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { simdAvailable } from '../../src/backends/wasm/variant.js';
import { checkCase, largeCases, matmulCaseArb, type MatmulFn } from './matmul-harness.js';

function suite(name: string, fn: MatmulFn): void {
  describe(`${name} vs matmulReference`, () => {
    it('agrees on random shapes, transposes, accumulate, float32 and float64', () => {
      fc.assert(fc.property(matmulCaseArb(), (cs) => checkCase(fn, cs)), { numRuns: 400 });
    });

    it('agrees on shapes that cross the cache blocks', () => {
      for (const [M, K, N] of largeCases) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const f64 of [false, true]) {
              checkCase(fn, { M, K, N, transA, transB, accumulate: transA !== transB, f64, offset: 1, seed: M * 31 + N });
            }
          }
        }
      }
    });

    it('K = 0 writes zeros, or leaves C alone when accumulating', () => {
      for (const accumulate of [false, true]) checkCase(fn, { M: 3, K: 0, N: 5, transA: false, transB: true, accumulate, f64: false, offset: 2, seed: 9 });
    });
  });
}

suite('matmulTs (blocked, register-tiled TypeScript)', matmulTs);
suite('matmulCpu (dispatch: SIMD for float32 when available)', matmulCpu);

describe('the CPU backend with and without SIMD', () => {
  it('chooses its product when created; both agree with the reference', () => {
    const plain = createCpuBackend({ simd: false }), simd = createCpuBackend({ simd: true });
    expect(plain.simd).toBe(false);
    expect(plain.matmul).toBe(matmulTs);
    expect(simd.simd).toBe(simdAvailable());
    for (const b of [plain, simd]) checkCase(b.matmul, { M: 40, K: 33, N: 20, transA: false, transB: true, accumulate: true, f64: false, offset: 1, seed: 5 });
  });
});
