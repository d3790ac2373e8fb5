// The WebAssembly SIMD path: the module builder's encodings, the emitted module's
// validity, and the SIMD matmul against the reference kernel.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModule, Code, I32, simdSupported, sleb, uleb } from '../../src/backends/wasm/wasm-builder.js';
import { matmulModuleBytes, matmulSimd, simdAvailable } from '../../src/backends/wasm/matmul-simd.js';
import { wasmBackend } from '../../src/backends/wasm/index.js';
import type { FloatArray } from '../../src/tensor/dtype.js';
import { checkCase, largeCases, matmulCaseArb } from './matmul-harness.js';

describe('wasm-builder', () => {
  it('encodes LEB128 as the spec examples', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(0)).toEqual([0]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('builds a module that runs: add(x, y), with an imported memory', () => {
    const c = new Code([I32, I32]);
    c.get(0).get(1).add();
    const bytes = buildModule({ module: 'env', field: 'mem', min: 1 }, [{ name: 'add', params: [I32, I32], results: [I32], code: c }]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { mem: new WebAssembly.Memory({ initial: 1 }) } });
    expect((inst.exports.add as (x: number, y: number) => number)(40, 2)).toBe(42);
  });

  it('detects SIMD, and the emitted matmul module validates (MR 1..6)', () => {
    expect(typeof simdSupported()).toBe('boolean');
    if (!simdAvailable()) return;
    for (let mr = 1; mr <= 6; mr++) expect(WebAssembly.validate(matmulModuleBytes(mr))).toBe(true);
  });
});

describe.skipIf(!simdAvailable())('matmulSimd vs matmulReference (float32)', () => {
  const simd = (a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, tA: boolean, tB: boolean, acc: boolean) =>
    matmulSimd(a as Float32Array, b as Float32Array, c as Float32Array, M, K, N, tA, tB, acc);

  it('agrees on random shapes, transposes, accumulate', () => {
    fc.assert(fc.property(matmulCaseArb(false), (cs) => checkCase(simd, cs)), { numRuns: 400 });
  });

  it('agrees on shapes that cross the cache blocks', () => {
    for (const [M, K, N] of largeCases) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          checkCase(simd, { M, K, N, transA, transB, accumulate: transA === transB, f64: false, offset: 3, seed: K * 17 + M });
        }
      }
    }
  });

  it('survives memory growth between calls (views are renewed)', () => {
    checkCase(simd, { M: 3, K: 5, N: 7, transA: false, transB: false, accumulate: false, f64: false, offset: 0, seed: 1 });
    checkCase(simd, { M: 300, K: 700, N: 90, transA: false, transB: true, accumulate: false, f64: false, offset: 0, seed: 2 });
    checkCase(simd, { M: 3, K: 5, N: 7, transA: true, transB: false, accumulate: true, f64: false, offset: 1, seed: 3 });
  });
});

describe('wasmBackend.matmul', () => {
  it('agrees with the reference for float32 (SIMD) and float64 (TypeScript fallback)', () => {
    fc.assert(fc.property(matmulCaseArb(), (cs) => checkCase(wasmBackend.matmul, cs)), { numRuns: 200 });
  });
});
