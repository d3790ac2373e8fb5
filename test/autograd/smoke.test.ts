import { describe, expect, it } from 'vitest';
import { Rng, Tensor } from '../../src/tensor/index.js';
import * as ag from '../../src/autograd/index.js';

const rng = new Rng(3);
const rand = (shape: number[], s = 0.5) => {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniformRange(-s, s);
  return new ag.Var(t, true);
};

describe('smoke gradchecks', () => {
  it('lstmSequence', () => {
    const T = 3, B = 2, D = 3, H = 4;
    const ins = [rand([T * B, D]), rand([B, H]), rand([B, H]), rand([4 * H, D]), rand([4 * H, H]), rand([4 * H]), rand([4 * H])];
    const r = ag.gradcheck((x, h, c, wih, whh, bih, bhh) => {
      const [hs, hT, cT] = ag.lstmSequence(x!, h!, c!, { wih: wih!, whh: whh!, bih: bih!, bhh: bhh! }, T);
      return ag.add(ag.sum(ag.mul(hs, hs)), ag.add(ag.sum(ag.mul(hT, cT)), ag.sum(cT)));
    }, ins);
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
  it('gruCell', () => {
    const B = 2, D = 3, H = 4;
    const ins = [rand([B, D]), rand([B, H]), rand([3 * H, D]), rand([3 * H, H]), rand([3 * H]), rand([3 * H])];
    const r = ag.gradcheck((x, h, wih, whh, bih, bhh) => ag.gruCell(x!, h!, { wih: wih!, whh: whh!, bih: bih!, bhh: bhh! }), ins);
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });
  it('matmul variants and CE', () => {
    for (const transA of [false, true]) for (const transB of [false, true]) {
      const a = rand(transA ? [4, 3] : [3, 4]);
      const b = rand(transB ? [5, 4] : [4, 5]);
      const r = ag.gradcheck((x, y) => ag.matmul(x!, y!, { transA, transB }), [a, b]);
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
    const l = rand([4, 6]);
    const r = ag.gradcheck((x) => ag.softmaxCrossEntropy(x!, [1, 0, 5, 3]), [l]);
    expect(r.ok).toBe(true);
  });
});
