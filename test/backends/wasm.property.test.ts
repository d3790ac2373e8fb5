// The WebAssembly SIMD path: the module builder's encodings, the emitted module's
// validity, and the SIMD matmul and LSTM gates against the reference kernel and
// formulas, in each SIMD variant this engine has (fused: relaxed_madd, where
// relaxed SIMD is on and fuses: Node 22 and later on FMA hardware).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModule, Code, I32, relaxedSimdSupported, simdSupported, sleb, uleb } from '../../src/backends/wasm/wasm-builder.js';
import { matmulFusedModuleBytes, matmulModuleBytes, matmulSimd, matmulSimdStrided } from '../../src/backends/wasm/matmul-simd.js';
import { fmaAvailable, kernelsFromEnv, kernelsAvailable, simdAvailable } from '../../src/backends/wasm/variant.js';
import { matmulTs } from '../../src/backends/cpu/matmul.js';
import { gatesBackwardSimd, gatesForwardSimd, gatesModuleBytes } from '../../src/backends/wasm/lstm-gates-simd.js';
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

  it('encodes f32x4.relaxed_madd as 0xFD, LEB128(0x105); the fused modules validate where relaxed SIMD does', () => {
    expect(new Code([]).f32x4RelaxedMadd().bytes).toEqual([0xfd, 0x85, 0x02]);
    // relaxed_madd pops c last: a·b + c is a, b, c then the op; unfused, a, b, mul, c, add
    const ops = (fused: boolean) => {
      const c = new Code([0x7b, 0x7b, 0x7b]);
      return c.mulAdd(fused, () => c.get(0), () => c.get(1), () => c.get(2)).bytes;
    };
    expect(ops(true)).toEqual([0x20, 0, 0x20, 1, 0x20, 2, 0xfd, 0x85, 0x02]);
    expect(ops(false)).toEqual([0x20, 0, 0x20, 1, 0xfd, 0xe6, 0x01, 0x20, 2, 0xfd, 0xe4, 0x01]);
    if (!relaxedSimdSupported()) return;
    for (let mr = 1; mr <= 6; mr++) expect(WebAssembly.validate(matmulFusedModuleBytes(mr))).toBe(true);
    expect(WebAssembly.validate(gatesModuleBytes(true))).toBe(true);
  });

  it.skipIf(!fmaAvailable())('the fused product rounds once: (1 + 2⁻¹³)(1 − 2⁻¹³) − 1 is −2⁻²⁶, not 0 as unfused', () => {
    const e = 2 ** -13;
    // the sum runs over k in order: −1·1 first, then the product that rounds to 1 unless fused
    const a = new Float32Array([-1, 1 + e]), b = new Float32Array([1, 1 - e]);
    for (const [fused, want] of [[true, -(e * e)], [false, 0]] as const) {
      // 64 rows × 64 columns of the same dot product: through the kernel, not the TypeScript edge path
      const A = new Float32Array(64 * 2), B = new Float32Array(2 * 64), C = new Float32Array(64 * 64);
      for (let i = 0; i < 64; i++) A.set(a, 2 * i), B[i] = b[0]!, B[64 + i] = b[1]!;
      matmulSimd(A, B, C, 64, 2, 64, false, false, false, fused);
      expect(C.every((x) => x === want), `fused ${fused}`).toBe(true);
    }
  });

  it('SYNTHGRAD_SIMD names a variant; a missing one falls back to the next one down', () => {
    expect(kernelsFromEnv(undefined)).toBe('wasm-simd-fma');
    expect(kernelsFromEnv('')).toBe('wasm-simd-fma');
    expect(kernelsFromEnv('FMA')).toBe('wasm-simd-fma');
    expect(kernelsFromEnv('simd')).toBe('wasm-simd');
    expect(kernelsFromEnv('0')).toBe('ts');
    expect(kernelsFromEnv('off')).toBe('ts');
    expect(() => kernelsFromEnv('avx')).toThrow(/SYNTHGRAD_SIMD="avx" is not one of fma, simd, 0/);
    expect(kernelsAvailable('ts')).toBe('ts');
    expect(kernelsAvailable('wasm-simd')).toBe(simdAvailable() ? 'wasm-simd' : 'ts');
    expect(kernelsAvailable('wasm-simd-fma')).toBe(fmaAvailable() ? 'wasm-simd-fma' : kernelsAvailable('wasm-simd'));
  });
});

/** The SIMD variants to test: unfused always, fused where the engine has it (index: fused). */
const VARIANTS: boolean[] = fmaAvailable() ? [false, true] : [false];

describe.skipIf(!simdAvailable()).each(VARIANTS)('matmulSimd (fused %s) vs matmulReference (float32)', (fused) => {
  const simd = (a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, tA: boolean, tB: boolean, acc: boolean) =>
    matmulSimd(a as Float32Array, b as Float32Array, c as Float32Array, M, K, N, tA, tB, acc, fused);

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

  it('strided operands (blocks of larger matrices, rows ld apart: near and far) give the dense bits, and C\'s gaps stay untouched', () => {
    const dim = fc.integer({ min: 1, max: 40 });
    const gap = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 50, max: 200 }), fc.integer({ min: 257, max: 400 }));
    fc.assert(fc.property(dim, dim, dim, fc.boolean(), fc.boolean(), fc.boolean(), gap, gap, gap, (M, K, N, tA, tB, acc, ga, gb, gc) => {
      const [ra, wa] = tA ? [K, M] : [M, K], [rb, wb] = tB ? [N, K] : [K, N];
      const lda = wa + ga, ldb = wb + gb, ldc = N + gc;
      const fill = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k));
      const aS = fill(ra * lda, 1), bS = fill(rb * ldb, 2), cS = fill(M * ldc, 3);
      const dense = (x: Float32Array, rows: number, w: number, ld: number) => {
        const d = new Float32Array(rows * w);
        for (let r = 0; r < rows; r++) d.set(x.subarray(r * ld, r * ld + w), r * w);
        return d;
      };
      const want = dense(cS, M, N, ldc);
      matmulSimd(dense(aS, ra, wa, lda), dense(bS, rb, wb, ldb), want, M, K, N, tA, tB, acc, fused);
      const before = cS.slice();
      matmulSimdStrided(aS, bS, cS, M, K, N, tA, tB, acc, { a: lda, b: ldb, c: ldc }, fused);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < ldc; j++) {
          const got = cS[i * ldc + j]!;
          if (j < N ? !Object.is(got, want[i * N + j]) : !Object.is(got, before[i * ldc + j])) {
            throw new Error(`C[${i}, ${j}] = ${got}, expected ${j < N ? want[i * N + j] : before[i * ldc + j]}${j < N ? '' : ' (a gap)'}`);
          }
        }
      }
    }), { numRuns: 300 });
  });

  it('survives memory growth between calls (views are renewed)', () => {
    checkCase(simd, { M: 3, K: 5, N: 7, transA: false, transB: false, accumulate: false, f64: false, offset: 0, seed: 1 });
    checkCase(simd, { M: 300, K: 700, N: 90, transA: false, transB: true, accumulate: false, f64: false, offset: 0, seed: 2 });
    checkCase(simd, { M: 3, K: 5, N: 7, transA: true, transB: false, accumulate: true, f64: false, offset: 1, seed: 3 });
  });
});

/** Every float32 product in the SIMD kernel, whatever its size (the CPU backend sends only the larger ones). */
function matmulAllSimd(a: FloatArray, b: FloatArray, c: FloatArray, M: number, K: number, N: number, transA: boolean, transB: boolean, accumulate: boolean): void {
  if (simdAvailable() && a instanceof Float32Array && b instanceof Float32Array && c instanceof Float32Array) matmulSimd(a, b, c, M, K, N, transA, transB, accumulate);
  else matmulTs(a, b, c, M, K, N, transA, transB, accumulate);
}

describe('matmulSimd at every size', () => {
  it('agrees with the reference for float32 (SIMD) and float64 (TypeScript)', () => {
    fc.assert(fc.property(matmulCaseArb(), (cs) => checkCase(matmulAllSimd, cs)), { numRuns: 200 });
  });
});

describe.skipIf(!simdAvailable()).each(VARIANTS)('the SIMD LSTM gates (lstm-gates-simd.ts, fused %s) vs the formulas in doubles', (fused) => {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  /** |got − want| within `ulps` float32 ulps of max(|want|, floor) */
  const near = (got: number, want: number, ulps: number, floor = 1e-30) => Math.abs(got - want) <= ulps * 2 ** -23 * Math.max(Math.abs(want), floor);

  it('the module validates', () => {
    expect(WebAssembly.validate(gatesModuleBytes(fused))).toBe(true);
  });

  it('σ and tanh within a few float32 ulps over −100..100, at 0, at tiny values and at the polynomial switch', () => {
    const xs: number[] = [0, 1e-30, -1e-30, 1e-7, -1e-7, 0.6249, 0.625, 0.6251, -0.625, 87, -87, 88.5, -88.5, 100, -100];
    for (let x = -30; x <= 30; x += 0.0137) xs.push(Math.fround(x));
    for (const x of xs) {
      // one row of H 4: z = [i f g o] blocks; lane 0 carries x into σ (i) and tanh (g)
      const z = new Float32Array(16);
      z[0] = x; z[8] = x; z[4] = 0; z[12] = 0;
      const cs = new Float32Array(4), hs = new Float32Array(4);
      gatesForwardSimd(z, 0, new Float32Array(4), 0, cs, hs, 0, 1, 4, fused);
      const xf = Math.fround(x);
      if (xf > -80) expect(near(z[0]!, sig(xf), 4), `σ(${xf}) = ${z[0]}, want ${sig(xf)}`).toBe(true);
      else expect(z[0]!).toBeLessThan(1e-34);
      expect(near(z[8]!, Math.tanh(xf), 4, 1e-38), `tanh(${xf}) = ${z[8]}, want ${Math.tanh(xf)}`).toBe(true);
    }
  });

  it('forward and backward of random rows: the TypeScript formulas within 1e-6 (relative to 1 + |value|)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 1 << 30 }), (rows, h4, seed) => {
      const H = 4 * h4, G = 4 * H;
      let s = seed;
      const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 8 - 4;
      const arr = (n: number) => Float32Array.from({ length: n }, r);
      const z = arr(rows * G), cp = arr(rows * H);
      const gates = z.slice(), cs = new Float32Array(rows * H), hs = new Float32Array(rows * H);
      gatesForwardSimd(gates, 0, cp, 0, cs, hs, 0, rows, H, fused);
      const dhs = arr(rows * H), dh = arr(rows * H), dc = arr(rows * H), dZ = new Float32Array(rows * G);
      const dcIn = dc.slice();
      gatesBackwardSimd(0, rows, H, gates, cs, cp, 0, dhs, dh, dc, 0, dZ, fused);
      const close = (got: number, want: number, what: string) => {
        if (!(Math.abs(got - want) <= 1e-6 * (1 + Math.abs(want)))) expect.fail(`${what}: ${got} vs ${want}`);
      };
      for (let b = 0; b < rows; b++) {
        for (let j = 0; j < H; j++) {
          const zb = b * G, sb = b * H + j;
          const i = sig(z[zb + j]!), f = sig(z[zb + H + j]!), g = Math.tanh(z[zb + 2 * H + j]!), o = sig(z[zb + 3 * H + j]!);
          const c = f * cp[sb]! + i * g;
          close(gates[zb + j]!, i, 'i'); close(gates[zb + H + j]!, f, 'f'); close(gates[zb + 2 * H + j]!, g, 'g'); close(gates[zb + 3 * H + j]!, o, 'o');
          close(cs[sb]!, c, 'c'); close(hs[sb]!, o * Math.tanh(cs[sb]!), 'h');
          // backward from the stored (float32) gates, as the kernel reads them
          const [ig, fg, gg, og] = [gates[zb + j]!, gates[zb + H + j]!, gates[zb + 2 * H + j]!, gates[zb + 3 * H + j]!];
          const tc = Math.tanh(cs[sb]!), d = dhs[sb]! + dh[sb]!, dcv = dcIn[sb]! + d * og * (1 - tc * tc);
          close(dZ[zb + j]!, dcv * gg * ig * (1 - ig), 'dz_i');
          close(dZ[zb + H + j]!, dcv * cp[sb]! * fg * (1 - fg), 'dz_f');
          close(dZ[zb + 2 * H + j]!, dcv * ig * (1 - gg * gg), 'dz_g');
          close(dZ[zb + 3 * H + j]!, d * tc * og * (1 - og), 'dz_o');
          close(dc[sb]!, dcv * fg, 'dcNext');
        }
      }
    }), { numRuns: 100 });
  });
});
