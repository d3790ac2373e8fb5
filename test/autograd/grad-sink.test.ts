// Ops whose backward adds a leaf's gradient straight into the leaf's own buffer
// (gradSink: a ParamSet's parameters) must give what the engine's path gives:
// the buffer's old contents plus the gradient computed into a fresh tensor.
// Property: for random shapes and values, backward through leaves that own a
// gradient holding random values G0 ends with G0 + g, where g is the gradient the
// same graph gives plain leaves (whose gradients the engine accumulates).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backward, embedding, gradSink, gradSinks, lstmSequence, matmul, sum, Var, type LstmWeights } from '../../src/autograd/index.js';
import { Tensor } from '../../src/tensor/index.js';
import { ParamSet } from '../../src/models/params.js';

const dim = (max = 5) => fc.integer({ min: 1, max });
const doubles = (n: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n });

/** A leaf whose gradient buffer it owns and that already holds `g0` (as a ParamSet's after an earlier backward). */
function owning(values: number[], shape: number[], g0: number[]): Var {
  const v = new Var(Tensor.from(values, shape, 'float64'), true);
  v.grad = Tensor.from(g0, shape, 'float64');
  v.gradOwned = true;
  return v;
}
const plain = (values: number[], shape: number[]) => new Var(Tensor.from(values, shape, 'float64'), true);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > 1e-12 * (1 + Math.abs(expected[i]!))) throw new Error(`${what}[${i}]: ${actual[i]} != ${expected[i]}`);
  }
}

describe('gradSink: gradients added into a leaf\'s own buffer', () => {
  it('is the owned gradient of a leaf, and null for other Vars or a Var given twice', () => {
    const p = new ParamSet([{ name: 'w', shape: [2, 3] }], 'float64');
    const w = p.get('w');
    expect(gradSink(w)?.data.buffer).toBe(p.grad.buffer);
    expect(gradSink(plain([1, 2], [2]))).toBeNull(); // no gradient yet: the engine takes the op's tensor
    expect(gradSinks([w, w])).toEqual([null, null]);
    const made = matmul(w, plain([1, 2, 3], [3, 1]));
    expect(gradSink(made)).toBeNull();
  });

  it('matmul, every transpose: old gradient + the fresh one, for both operands', () => {
    fc.assert(fc.property(dim(), dim(), dim(), fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1 << 30 }), (M, K, N, tA, tB, seed) => {
      const rnd = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(seed + 7 * i + n));
      const aShape = tA ? [K, M] : [M, K], bShape = tB ? [N, K] : [K, N];
      const av = rnd(M * K), bv = rnd(K * N).map((x) => x / 2), ga0 = rnd(M * K + 1).slice(1), gb0 = rnd(K * N + 2).slice(2);
      const a1 = plain(av, aShape), b1 = plain(bv, bShape);
      backward([sum(matmul(a1, b1, { transA: tA, transB: tB }))]);
      const a2 = owning(av, aShape, ga0), b2 = owning(bv, bShape, gb0);
      const gaBuf = a2.grad!, gbBuf = b2.grad!;
      backward([sum(matmul(a2, b2, { transA: tA, transB: tB }))]);
      expect(a2.grad).toBe(gaBuf); // added in place, not replaced
      expect(b2.grad).toBe(gbBuf);
      expectClose(a2.grad!.data, ga0.map((g, i) => g + a1.grad!.data[i]!), 'dA');
      expectClose(b2.grad!.data, gb0.map((g, i) => g + b1.grad!.data[i]!), 'dB');
    }), { numRuns: 40 });
  });

  it('lstmSequence: every input that owns a gradient gets old + fresh (the weights in the kernel, x/h0/c0 through the engine)', () => {
    fc.assert(fc.property(dim(3), dim(3), dim(3), dim(4), doubles(64), (T, B, D, H, r) => {
      const val = (n: number, k: number) => Array.from({ length: n }, (_, i) => r[(i * 5 + k) % r.length]! * 0.8);
      const shapes: Record<keyof LstmWeights, number[]> = { wih: [4 * H, D], whh: [4 * H, H], bih: [4 * H], bhh: [4 * H] };
      const names = Object.keys(shapes) as (keyof LstmWeights)[];
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const run = (own: boolean) => {
        const w = Object.fromEntries(names.map((k, j) => {
          const n = size(shapes[k]);
          return [k, own ? owning(val(n, j), shapes[k], val(n, j + 11)) : plain(val(n, j), shapes[k])];
        })) as unknown as LstmWeights;
        const leaf = (n: number, shape: number[], k: number) => (own ? owning(val(n, k), shape, val(n, k + 11)) : plain(val(n, k), shape));
        const x = leaf(T * B * D, [T * B, D], 4), h0 = leaf(B * H, [B, H], 5), c0 = leaf(B * H, [B, H], 6);
        const [hs, hT, cT] = lstmSequence(x, h0, c0, w, T);
        backward([sum(hs), sum(hT), sum(cT)]);
        return { w, x, h0, c0 };
      };
      const fresh = run(false), own = run(true);
      names.forEach((k, j) => {
        const g0 = val(size(shapes[k]), j + 11);
        expectClose(own.w[k].grad!.data, g0.map((g, i) => g + fresh.w[k].grad!.data[i]!), k);
      });
      (['x', 'h0', 'c0'] as const).forEach((k, j) => {
        const g0 = val(fresh[k].grad!.data.length, j + 4 + 11);
        expectClose(own[k].grad!.data, g0.map((g, i) => g + fresh[k].grad!.data[i]!), k);
      });
    }), { numRuns: 40 });
  });

  it('embedding: rows picked twice add twice into the old gradient', () => {
    fc.assert(fc.property(dim(6), dim(4), fc.array(fc.nat(5), { minLength: 1, maxLength: 8 }), (V, d, rawIds) => {
      const ids = rawIds.map((i) => i % V);
      const wv = Array.from({ length: V * d }, (_, i) => Math.cos(i)), g0 = Array.from({ length: V * d }, (_, i) => Math.sin(i));
      const w1 = plain(wv, [V, d]);
      backward([sum(embedding(w1, ids))]);
      const w2 = owning(wv, [V, d], g0);
      backward([sum(embedding(w2, ids))]);
      expectClose(w2.grad!.data, g0.map((g, i) => g + w1.grad!.data[i]!), 'dW');
    }), { numRuns: 40 });
  });
});
