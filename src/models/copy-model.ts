// The copy / repeat-copy model: stacked LSTM layers reading bit vectors, and a
// linear decoder giving one logit per output bit (per-bit sigmoid output).
import * as ag from '../autograd/index.js';
import { Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { ParamSet, type ParamSpec } from './params.js';
import { lstmStackForward, lstmStackSpecs, stateSizeOf } from './lstm-stack.js';
import { loadParamStateDict, paramStateDict, type StateDict, type Stateful } from './state.js';
import { auxHeadSpecs } from './aux-head.js';

/** The copy-task model (docs/algorithm.md §8): stacked LSTM layers over bit vectors and one logit per output bit. */
export class CopyModel implements Stateful {
  readonly params: ParamSet;
  readonly stateSize: number;

  /** `aux`: add the DNI + Aux head (aux-head.ts). */
  constructor(readonly inWidth: number, readonly outWidth: number, readonly hidden: number[], dtype: DType = 'float32', aux = false) {
    const specs: ParamSpec[] = lstmStackSpecs(inWidth, hidden);
    specs.push({ name: 'decoder.weight', shape: [outWidth, hidden[hidden.length - 1]!] }, { name: 'decoder.bias', shape: [outWidth] });
    this.stateSize = stateSizeOf(hidden);
    if (aux) specs.push(...auxHeadSpecs(hidden[hidden.length - 1]!, this.stateSize));
    this.params = new ParamSet(specs, dtype);
  }

  /**
   * Forward `T` steps of `x` [T·B, inWidth] from sPrev [B,S]; returns the logits
   * [T·B, outWidth], and the mean per-bit sigmoid cross-entropy over the rows listed
   * in `scoredRows` (null when there are none).
   */
  forwardChunk(x: Tensor, targets: Tensor, scoredRows: number[], T: number, sPrev: Var): { loss: Var | null; logits: Var; sK: Var; top: Var } {
    const p = this.params;
    const { top, sK } = lstmStackForward(p, this.hidden, new Var(x), sPrev, T);
    const logits = ag.linear(top, p.get('decoder.weight'), p.get('decoder.bias'));
    let loss: Var | null = null;
    if (scoredRows.length > 0) {
      // Gathering rows is an embedding lookup into the logits; its backward scatters back.
      const picked = ag.embedding(logits, scoredRows);
      const y = Tensor.zeros([scoredRows.length, this.outWidth], x.dtype);
      scoredRows.forEach((r, i) => y.data.set(targets.data.subarray(r * this.outWidth, (r + 1) * this.outWidth), i * this.outWidth));
      loss = ag.sigmoidBinaryCrossEntropy(picked, new Var(y));
    }
    return { loss, logits, sK, top };
  }

  stateDict(): StateDict {
    return paramStateDict(this.params);
  }

  loadStateDict(d: StateDict): void {
    loadParamStateDict(this.params, d.tensors);
  }
}
