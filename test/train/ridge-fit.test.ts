// synthesizer.fit "ridge" (src/train/ridge-fit.ts): the decayed statistics, the solve
// against the normal equations, scale-freedom, and a fixed linear target recovered.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSynthesizer } from '../../src/models/synthesizers.js';
import { resolveConfig } from '../../src/train/config.js';
import { fitSynthesizerRidge, RidgeFit } from '../../src/train/ridge-fit.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';

function randomPairs(rng: Rng, B: number, S: number, map: (s: Float32Array, b: number, o: number) => number): { s: Tensor; y: Tensor } {
  const s = Tensor.zeros([B, S], 'float32'), y = Tensor.zeros([B, S], 'float32');
  for (let i = 0; i < s.size; i++) s.data[i] = rng.uniformRange(-1, 1);
  for (let b = 0; b < B; b++) for (let o = 0; o < S; o++) y.data[b * S + o] = map(s.data as Float32Array, b, o);
  return { s, y };
}

describe('the ridge fit of the synthesizer', () => {
  it('the statistics decay by 1 − 1/memory a step, and the solution satisfies the regularised normal equations', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1000 }), (S, B, steps, seed) => {
      const rng = new Rng(seed);
      const memory = 3, ridge = 0.05, F = S + 1, rho = 1 - 1 / memory;
      const fit = new RidgeFit(S, { ridge, memory, refitEvery: 1 });
      const A = new Float64Array(F * F), C = new Float64Array(F * S);
      for (let k = 0; k < steps; k++) {
        const { s, y } = randomPairs(rng, B, S, () => rng.normal(0, 1));
        fit.add(s.data, y.data, B);
        for (let i = 0; i < A.length; i++) A[i] = rho * A[i]!;
        for (let i = 0; i < C.length; i++) C[i] = rho * C[i]!;
        for (let b = 0; b < B; b++) {
          const x = (i: number) => (i === S ? 1 : s.data[b * S + i]!);
          for (let i = 0; i < F; i++) {
            for (let j = 0; j < F; j++) A[i * F + j] = A[i * F + j]! + x(i) * x(j);
            for (let o = 0; o < S; o++) C[i * S + o] = C[i * S + o]! + x(i) * y.data[b * S + o]!;
          }
        }
      }
      for (let i = 0; i < A.length; i++) expect(fit.xtx[i]).toBeCloseTo(A[i]!, 4);
      for (let i = 0; i < C.length; i++) expect(fit.xty[i]).toBeCloseTo(C[i]!, 4);
      const z = fit.solve()!;
      let trace = 0;
      for (let i = 0; i < F; i++) trace += fit.xtx[i * F + i]!;
      const mu = ridge * trace / F;
      for (let i = 0; i < F; i++) for (let o = 0; o < S; o++) {
        let v = mu * z[i * S + o]!;
        for (let j = 0; j < F; j++) v += fit.xtx[i * F + j]! * z[j * S + o]!;
        expect(Math.abs(v - fit.xty[i * S + o]!)).toBeLessThan(1e-9 * (1 + Math.abs(fit.xty[i * S + o]!)));
      }
    }), { numRuns: 60 });
  });

  it('is scale-free: targets multiplied by 1e-3 … 1e3 give the same map times that factor', () => {
    fc.assert(fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (e, seed) => {
      const S = 6, B = 5, factor = 10 ** e;
      const a = new RidgeFit(S, { ridge: 0.1, memory: 50, refitEvery: 1 }), b = new RidgeFit(S, { ridge: 0.1, memory: 50, refitEvery: 1 });
      const rng = new Rng(seed);
      for (let k = 0; k < 4; k++) {
        const { s, y } = randomPairs(rng, B, S, () => rng.normal(0, 1));
        const scaled = Float64Array.from(y.data, (v) => v * factor);
        a.add(s.data, y.data, B);
        b.add(s.data, Float32Array.from(scaled), B);
      }
      const za = a.solve()!, zb = b.solve()!;
      for (let i = 0; i < za.length; i++) expect(Math.abs(zb[i]! - factor * za[i]!)).toBeLessThan(1e-5 * factor * (1 + Math.abs(za[i]!)));
    }), { numRuns: 40 });
  });

  it('learns a fixed linear map of the state, at any scale, to sg_fit_cos > 0.99 after its first solve; with a target scale too', () => {
    for (const normalize of ['none', 'popart'] as const) {
      for (const factor of [1e-6, 1, 1e3]) {
        const cfg = resolveConfig({ task: 'copy', hidden: 4, batch: 8, bptt: 2, steps: 1, synthesizer: { fit: 'ridge', normalize, refit_every: 5 } }, { baseDir: '/', source: 'test' });
        const sc = cfg.synthesizer!;
        const S = 8, rng = new Rng(7);
        const M = Float64Array.from({ length: S * S }, () => rng.normal(0, 1));
        const synth = createSynthesizer(sc, S, rng, 0.1);
        const fit = new RidgeFit(S, { ridge: 1e-4, memory: sc.memory, refitEvery: sc.refit_every });
        const coses: (number | null)[] = [], relErr: number[] = [];
        for (let k = 0; k < 12; k++) {
          const { s, y } = randomPairs(rng, 8, S, (x, b, o) => {
            let v = 0.5;
            for (let i = 0; i < S; i++) v += M[o * S + i]! * x[b * S + i]!;
            return factor * v;
          });
          const r = fitSynthesizerRidge(synth, fit, s, y);
          coses.push(r.cos);
          let yy = 0;
          for (const v of y.data) yy += v * v;
          relErr.push(r.loss / (yy / 8)); // ℓ_SG in δ's units against the mean ‖δ‖² of a row

        }
        expect(coses[0], 'the synthesizer starts at ĝ = 0').toBeNull();
        for (const c of coses.slice(5)) expect(c!).toBeGreaterThan(0.99);
        // ĝ has δ's size too, not only its direction
        for (const e of relErr.slice(5)) expect(e).toBeLessThan(1e-3);
      }
    }
  });

  it('is refused for a synthesizer that is not linear, with the key named', () => {
    expect(() => resolveConfig({ task: 'copy', hidden: 4, batch: 2, bptt: 2, steps: 1, synthesizer: { kind: 'mlp', fit: 'ridge' } }, { baseDir: '/', source: 'test' }))
      .toThrow(/synthesizer\.fit.*linear/);
  });
});
