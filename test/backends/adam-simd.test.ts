// Adam in WebAssembly SIMD (src/backends/wasm/adam-simd.ts) on arrays in its memory
// gives exactly the bits of the TypeScript loop (src/backends/cpu/adam.ts), for any
// hyperparameters, values (zeros, signed zeros, tiny and huge ones), lengths, element
// ranges and offsets; arrays outside its memory go to the loop.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adamCpu } from '../../src/backends/cpu/adam.js';
import { adamSimd, allocateInArena } from '../../src/backends/wasm/adam-simd.js';
import { simdAvailable } from '../../src/backends/wasm/variant.js';
import { createCpuBackend } from '../../src/backends/cpu/index.js';
import { ParamSet } from '../../src/models/params.js';
import type { AdamArgs } from '../../src/backends/backend.js';

const value = fc.oneof(
  fc.float({ noNaN: true, noDefaultInfinity: true }),
  fc.float({ min: -1, max: 1, noNaN: true }),
  fc.constantFrom(0, -0, 1e-30, -1e-30, 3e38, 1e-45),
);
const nonNegative = fc.oneof(fc.float({ min: 0, max: Math.fround(1e30), noNaN: true }), fc.constantFrom(0, 1e-45, 1e-20));

describe.skipIf(!simdAvailable())('Adam in WebAssembly SIMD', () => {
  it('equals adamCpu bit for bit', () => {
    const run = fc.record({
      len: fc.integer({ min: 1, max: 70 }), skip: fc.integer({ min: 0, max: 5 }), cut: fc.tuple(fc.nat(80), fc.nat(80)),
      b1: fc.double({ min: 0, max: 0.999999, noNaN: true }), b2: fc.double({ min: 0, max: 0.999999, noNaN: true }),
      eps: fc.oneof(fc.constant(1e-8), fc.double({ min: 1e-12, max: 1, noNaN: true })), wd: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
      step: fc.double({ min: 1e-6, max: 10, noNaN: true }), sbc2: fc.double({ min: 1e-3, max: 1, noNaN: true }), seed: fc.integer(),
    }).chain((r) => fc.record({ r: fc.constant(r), p: fc.array(value, { minLength: r.len, maxLength: r.len }), g: fc.array(value, { minLength: r.len, maxLength: r.len }), m: fc.array(value, { minLength: r.len, maxLength: r.len }), v: fc.array(nonNegative, { minLength: r.len, maxLength: r.len }) }));
    fc.assert(fc.property(run, ({ r, p, g, m, v }) => {
      const inArena = (x: number[]) => { const a = allocateInArena(r.len + r.skip)!.subarray(r.skip); a.set(x); return a; };
      const i0 = Math.min(r.cut[0], r.cut[1]) % (r.len + 1), i1 = Math.min(r.len, i0 + Math.max(r.cut[0], r.cut[1]));
      const hyper = { beta1: r.b1, beta2: r.b2, eps: r.eps, weightDecay: r.wd, stepSize: r.step, sqrtBc2: r.sbc2 };
      const want: AdamArgs = { p: Float32Array.from(p), g: Float32Array.from(g), m: Float32Array.from(m), v: Float32Array.from(v), ...hyper };
      const got: AdamArgs = { p: inArena(p), g: inArena(g), m: inArena(m), v: inArena(v), ...hyper };
      adamCpu(want, i0, i1);
      adamSimd(got, i0, i1);
      for (const k of ['p', 'g', 'm', 'v'] as const) for (let i = 0; i < r.len; i++) if (!Object.is(got[k][i], want[k][i])) expect.fail(`${k}[${i}] = ${got[k][i]}, adamCpu ${want[k][i]} (range ${i0}..${i1})`);
    }), { numRuns: 300 });
  });

  it('the SIMD CPU backend with wasmParams keeps float32 parameters, gradients and moments in the arena; others are ordinary arrays', () => {
    const b = createCpuBackend({ simd: true, wasmParams: true });
    const ps = new ParamSet([{ name: 'w', shape: [3, 5] }], 'float32', b);
    const inArena = (x: Float32Array | Float64Array) => x.buffer instanceof SharedArrayBuffer;
    expect([ps.data, ps.grad, ps.allocateState()].map(inArena)).toEqual([true, true, true]);
    expect(inArena(new ParamSet([{ name: 'w', shape: [3] }], 'float64', b).data)).toBe(false);
    expect(inArena(new ParamSet([{ name: 'w', shape: [3] }], 'float32', createCpuBackend({ simd: false })).data)).toBe(false);
    expect(inArena(b.scratch.take('float32', 8) as Float32Array)).toBe(false);
    expect(inArena(new ParamSet([{ name: 'w', shape: [3] }], 'float32', createCpuBackend({ simd: true })).data)).toBe(false);
  });
});
