// The LSTM language model of ALGORITHM.md §2: embedding, n stacked LSTM layers,
// decoder (optionally tied to the embedding). Parameter names are PyTorch's.
import * as ag from '../autograd/index.js';
import type { Var } from '../autograd/variable.js';
import type { DType } from '../tensor/dtype.js';
import { ParamSet, type ParamSpec } from './params.js';

export interface LstmLmShape {
  vocab: number;
  embed: number;
  hidden: number[];
  tied: boolean;
}

export interface ChunkForward {
  /** Mean cross-entropy over the chunk's B·T' positions. */
  loss: Var;
  /** Final state s_k [B, S]: per layer [h_l, c_l], concatenated. */
  sK: Var;
}

export class LstmLm {
  readonly shape: LstmLmShape;
  readonly params: ParamSet;
  /** S = 2·Σ_l H_l, the width of the state vector s. */
  readonly stateSize: number;

  constructor(shape: LstmLmShape, dtype: DType = 'float32') {
    const { vocab: V, embed: d, hidden, tied } = shape;
    if (tied && hidden[hidden.length - 1] !== d) {
      throw new Error(`tied decoder needs the last hidden width (${hidden[hidden.length - 1]}) to equal embed (${d})`);
    }
    this.shape = { ...shape, hidden: hidden.slice() };
    const specs: ParamSpec[] = [{ name: 'encoder.weight', shape: [V, d] }];
    hidden.forEach((H, l) => {
      const D = l === 0 ? d : hidden[l - 1]!;
      specs.push(
        { name: `rnns.${l}.weight_ih`, shape: [4 * H, D] },
        { name: `rnns.${l}.weight_hh`, shape: [4 * H, H] },
        { name: `rnns.${l}.bias_ih`, shape: [4 * H] },
        { name: `rnns.${l}.bias_hh`, shape: [4 * H] },
      );
    });
    if (!tied) specs.push({ name: 'decoder.weight', shape: [V, hidden[hidden.length - 1]!] });
    specs.push({ name: 'decoder.bias', shape: [V] });
    this.params = new ParamSet(specs, dtype);
    this.stateSize = 2 * hidden.reduce((a, b) => a + b, 0);
  }

  /** The decoder matrix: its own parameter, or the embedding when tied. */
  get decoderWeight(): Var {
    return this.params.get(this.shape.tied ? 'encoder.weight' : 'decoder.weight');
  }

  /** Widths of the pieces of s: [H_0, H_0, H_1, H_1, …] for [h_0, c_0, h_1, c_1, …]. */
  stateWidths(): number[] {
    return this.shape.hidden.flatMap((H) => [H, H]);
  }

  /**
   * Forward one chunk: `inputs`/`targets` hold T·B ids, time-major (row t·B+b),
   * from the incoming state `sPrev` [B, S].
   */
  forwardChunk(inputs: Int32Array, targets: Int32Array, T: number, B: number, sPrev: Var): ChunkForward {
    const p = this.params;
    const pieces = ag.split(sPrev, this.stateWidths());
    let x = ag.embedding(p.get('encoder.weight'), inputs);
    const finals: Var[] = [];
    this.shape.hidden.forEach((_H, l) => {
      const w = { wih: p.get(`rnns.${l}.weight_ih`), whh: p.get(`rnns.${l}.weight_hh`), bih: p.get(`rnns.${l}.bias_ih`), bhh: p.get(`rnns.${l}.bias_hh`) };
      const [hs, hT, cT] = ag.lstmSequence(x, pieces[2 * l]!, pieces[2 * l + 1]!, w, T);
      finals.push(hT, cT);
      x = hs;
    });
    const logits = ag.add(ag.matmul(x, this.decoderWeight, { transB: true }), p.get('decoder.bias'));
    const loss = ag.softmaxCrossEntropy(logits, targets);
    return { loss, sK: ag.concat(finals) };
  }

  /** Logits of the last time step, for sampling: inputs are B ids, one step. */
  stepLogits(inputs: Int32Array, sPrev: Var): { logits: Var; sK: Var } {
    const p = this.params;
    const B = inputs.length;
    const pieces = ag.split(sPrev, this.stateWidths());
    let x = ag.embedding(p.get('encoder.weight'), inputs);
    const finals: Var[] = [];
    this.shape.hidden.forEach((_H, l) => {
      const w = { wih: p.get(`rnns.${l}.weight_ih`), whh: p.get(`rnns.${l}.weight_hh`), bih: p.get(`rnns.${l}.bias_ih`), bhh: p.get(`rnns.${l}.bias_hh`) };
      const [, hT, cT] = ag.lstmSequence(x, pieces[2 * l]!, pieces[2 * l + 1]!, w, 1);
      finals.push(hT, cT);
      x = hT;
    });
    void B;
    const logits = ag.add(ag.matmul(x, this.decoderWeight, { transB: true }), p.get('decoder.bias'));
    return { logits, sK: ag.concat(finals) };
  }
}
