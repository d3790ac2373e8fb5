// globalNorm and clipGradNorm against their definitions, over random lengths
// (every remainder mod 4 of the four running sums) and float32/float64 buffers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipGradNorm, globalNorm } from '../../src/train/optimizers.js';

const values = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 0, maxLength: 41 });

describe('globalNorm / clipGradNorm', () => {
  it('globalNorm is √Σg² (float64 sums) for every length', () => {
    fc.assert(fc.property(values, fc.boolean(), (xs, f32) => {
      const g = f32 ? Float32Array.from(xs) : Float64Array.from(xs);
      let s = 0;
      for (const x of g) s += x * x;
      expect(Math.abs(globalNorm(g) - Math.sqrt(s))).toBeLessThanOrEqual(1e-12 * Math.sqrt(s));
    }), { numRuns: 200 });
  });

  it('clipGradNorm scales by clip/(norm+1e-6) only when that is below 1, and returns the norm before', () => {
    fc.assert(fc.property(values, fc.double({ min: 0.01, max: 100, noNaN: true }), (xs, clip) => {
      const g = Float64Array.from(xs), before = Float64Array.from(xs);
      const norm = globalNorm(before);
      expect(clipGradNorm(g, clip)).toBe(norm);
      const coef = clip / (norm + 1e-6);
      for (let i = 0; i < g.length; i++) expect(g[i]).toBe(coef < 1 ? before[i]! * coef : before[i]);
    }), { numRuns: 200 });
  });
});
