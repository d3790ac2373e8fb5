// DNI + Aux (aux-head.ts): the head's loss is gradient-checked in float64 against
// finite differences, for random B, T', H and S, and its value against a direct sum.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Var } from '../../src/autograd/index.js';
import { gradcheckRoots } from '../../src/autograd/gradcheck.js';
import { auxHeadLoss } from '../../src/models/aux-head.js';
import { Tensor } from '../../src/tensor/index.js';

const dims = fc.record({ B: fc.integer({ min: 1, max: 4 }), T: fc.integer({ min: 1, max: 3 }), H: fc.integer({ min: 1, max: 4 }), S: fc.integer({ min: 1, max: 5 }) });
const withValues = dims.chain((d) => {
  const n = (k: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: k, maxLength: k });
  return fc.record({ d: fc.constant(d), top: n(d.T * d.B * d.H), w: n(d.S * d.H), b: n(d.S), y: n(d.B * d.S) });
});

describe('aux head loss', () => {
  it('its gradient with respect to h_t, the weight and the bias matches float64 finite differences', () => {
    fc.assert(fc.property(withValues, ({ d, top, w, b, y }) => {
      const target = Tensor.from(y, [d.B, d.S], 'float64');
      const inputs = [
        new Var(Tensor.from(top, [d.T * d.B, d.H], 'float64'), true),
        new Var(Tensor.from(w, [d.S, d.H], 'float64'), true),
        new Var(Tensor.from(b, [d.S], 'float64'), true),
      ];
      const r = gradcheckRoots((h, wv, bv) => [auxHeadLoss(wv!, bv!, h!, target)], inputs, [1]);
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    }), { numRuns: 40 });
  });

  it('is the mean over T·B·S of (W h_t + b − target_b)², the target repeated over t', () => {
    fc.assert(fc.property(withValues, ({ d, top, w, b, y }) => {
      const loss = auxHeadLoss(new Var(Tensor.from(w, [d.S, d.H], 'float64')), new Var(Tensor.from(b, [d.S], 'float64')),
        new Var(Tensor.from(top, [d.T * d.B, d.H], 'float64')), Tensor.from(y, [d.B, d.S], 'float64')).item();
      let sum = 0;
      for (let t = 0; t < d.T; t++) for (let bb = 0; bb < d.B; bb++) for (let i = 0; i < d.S; i++) {
        let p = b[i]!;
        for (let j = 0; j < d.H; j++) p += w[i * d.H + j]! * top[(t * d.B + bb) * d.H + j]!;
        sum += (p - y[bb * d.S + i]!) ** 2;
      }
      expect(loss).toBeCloseTo(sum / (d.T * d.B * d.S), 10);
    }), { numRuns: 40 });
  });
});
