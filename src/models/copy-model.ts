// The copy / repeat-copy model: stacked LSTM layers reading bit vectors, and a
// linear decoder giving one logit per output bit (per-bit sigmoid output).
import * as ag from '../autograd/index.js';
import { Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { ParamSet, type ParamSpec } from './params.js';

export class CopyModel {
  readonly params: ParamSet;
  readonly stateSize: number;

  constructor(readonly inWidth: number, readonly outWidth: number, readonly hidden: number[], dtype: DType = 'float32') {
    const specs: ParamSpec[] = [];
    hidden.forEach((H, l) => {
      const D = l === 0 ? inWidth : hidden[l - 1]!;
      specs.push(
        { name: `rnns.${l}.weight_ih`, shape: [4 * H, D] },
        { name: `rnns.${l}.weight_hh`, shape: [4 * H, H] },
        { name: `rnns.${l}.bias_ih`, shape: [4 * H] },
        { name: `rnns.${l}.bias_hh`, shape: [4 * H] },
      );
    });
    specs.push({ name: 'decoder.weight', shape: [outWidth, hidden[hidden.length - 1]!] }, { name: 'decoder.bias', shape: [outWidth] });
    this.params = new ParamSet(specs, dtype);
    this.stateSize = 2 * hidden.reduce((a, b) => a + b, 0);
  }

  /**
   * Forward `T` steps of `x` [T·B, inWidth] from sPrev [B,S]; returns the logits
   * [T·B, outWidth], and the mean per-bit sigmoid cross-entropy over the rows listed
   * in `scoredRows` (null when there are none).
   */
  forwardChunk(x: Tensor, targets: Tensor, scoredRows: number[], T: number, B: number, sPrev: Var): { loss: Var | null; logits: Var; sK: Var } {
    const p = this.params;
    const pieces = ag.split(sPrev, this.hidden.flatMap((H) => [H, H]));
    let h: Var = new Var(x);
    const finals: Var[] = [];
    this.hidden.forEach((_H, l) => {
      const w = { wih: p.get(`rnns.${l}.weight_ih`), whh: p.get(`rnns.${l}.weight_hh`), bih: p.get(`rnns.${l}.bias_ih`), bhh: p.get(`rnns.${l}.bias_hh`) };
      const [hs, hT, cT] = ag.lstmSequence(h, pieces[2 * l]!, pieces[2 * l + 1]!, w, T);
      finals.push(hT, cT);
      h = hs;
    });
    const logits = ag.add(ag.matmul(h, p.get('decoder.weight'), { transB: true }), p.get('decoder.bias'));
    let loss: Var | null = null;
    if (scoredRows.length > 0) {
      // Gathering rows is an embedding lookup into the logits; its backward scatters back.
      const picked = ag.embedding(logits, scoredRows);
      const y = Tensor.zeros([scoredRows.length, this.outWidth], x.dtype);
      scoredRows.forEach((r, i) => y.data.set(targets.data.subarray(r * this.outWidth, (r + 1) * this.outWidth), i * this.outWidth));
      loss = ag.sigmoidBinaryCrossEntropy(picked, new Var(y));
    }
    return { loss, logits, sK: ag.concat(finals) };
  }
}
