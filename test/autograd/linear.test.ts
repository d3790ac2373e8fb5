// linear(x, W, b) = x Wᵀ + b: the values against a direct sum, and the gradient
// against finite differences (fast-check over small shapes, float64).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ag from '../../src/autograd/index.js';
import { Var } from '../../src/autograd/index.js';
import { Tensor } from '../../src/tensor/index.js';

const dim = () => fc.integer({ min: 1, max: 5 });
const doubles = (n: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n });
const arb = fc.tuple(dim(), dim(), dim()).chain(([N, I, O]) =>
  fc.record({ N: fc.constant(N), I: fc.constant(I), O: fc.constant(O), x: doubles(N * I), w: doubles(O * I), b: doubles(O) }));
const v64 = (data: number[], shape: number[]) => new Var(Tensor.from(data, shape, 'float64'), true);

describe('linear', () => {
  it('y[n,o] = Σ_i x[n,i]·W[o,i] + b[o]', () => {
    fc.assert(fc.property(arb, ({ N, I, O, x, w, b }) => {
      const y = ag.linear(v64(x, [N, I]), v64(w, [O, I]), v64(b, [O])).value;
      expect(y.shape).toEqual([N, O]);
      for (let n = 0; n < N; n++) {
        for (let o = 0; o < O; o++) {
          let s = b[o]!;
          for (let i = 0; i < I; i++) s += x[n * I + i]! * w[o * I + i]!;
          expect(y.data[n * O + o]).toBeCloseTo(s, 12);
        }
      }
    }), { numRuns: 50 });
  });

  it('gradcheck of x, W and b (property)', () => {
    fc.assert(fc.property(arb, ({ N, I, O, x, w, b }) => {
      const r = ag.gradcheck((a, c, d) => ag.linear(a!, c!, d!), [v64(x, [N, I]), v64(w, [O, I]), v64(b, [O])]);
      if (!r.ok) throw new Error(`linear [${N},${I}]·[${O},${I}]ᵀ: max abs error ${r.maxAbsError}, worst ${JSON.stringify(r.worst)}`);
    }), { numRuns: 50, includeErrorInReport: true });
  });
});
