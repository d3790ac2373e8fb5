// The LSTM language model of docs/algorithm.md §2: embedding, n stacked LSTM layers,
// decoder (optionally tied to the embedding). Parameter names are PyTorch's.
import * as ag from '../autograd/index.js';
import type { Var } from '../autograd/variable.js';
import type { DType } from '../tensor/dtype.js';
import { ParamSet, type ParamSpec } from './params.js';
import { loadParamStateDict, paramStateDict, type StateDict, type Stateful } from './state.js';
import { lstmStackForward, lstmStackSpecs, stateSizeOf } from './lstm-stack.js';
import { auxHeadSpecs } from './aux-head.js';

/** The sizes of an LstmLm: vocabulary, embedding width, LSTM widths (one per layer), tied decoder. */
export interface LstmLmShape {
  vocab: number;
  embed: number;
  hidden: number[];
  tied: boolean;
  /** DNI + Aux: add the head `aux` (aux-head.ts). */
  aux?: boolean;
}

/** What forwarding one chunk gives: the loss and the final state. */
export interface ChunkForward {
  /** Mean cross-entropy over the chunk's B·T' positions. */
  loss: Var;
  /** Final state s_k [B, S]: per layer [h_l, c_l], concatenated. */
  sK: Var;
  /** The top layer's h_t for every step [T'·B, H_n], time-major. */
  top: Var;
}

/** The LSTM language model of docs/algorithm.md §2: embedding, stacked LSTM layers, decoder. */
export class LstmLm implements Stateful {
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
    const specs: ParamSpec[] = [{ name: 'encoder.weight', shape: [V, d] }, ...lstmStackSpecs(d, hidden)];
    if (!tied) specs.push({ name: 'decoder.weight', shape: [V, hidden[hidden.length - 1]!] });
    specs.push({ name: 'decoder.bias', shape: [V] });
    this.stateSize = stateSizeOf(hidden);
    if (shape.aux) specs.push(...auxHeadSpecs(hidden[hidden.length - 1]!, this.stateSize));
    this.params = new ParamSet(specs, dtype);
  }

  /** The decoder matrix: its own parameter, or the embedding when tied. */
  get decoderWeight(): Var {
    return this.params.get(this.shape.tied ? 'encoder.weight' : 'decoder.weight');
  }

  /**
   * Forward one chunk: `inputs`/`targets` hold T·B ids, time-major (row t·B+b),
   * from the incoming state `sPrev` [B, S].
   */
  forwardChunk(inputs: Int32Array, targets: Int32Array, T: number, sPrev: Var): ChunkForward {
    const x = ag.embedding(this.params.get('encoder.weight'), inputs);
    const { top, sK } = lstmStackForward(this.params, this.shape.hidden, x, sPrev, T);
    const loss = ag.softmaxCrossEntropy(this.decode(top), targets);
    return { loss, sK, top };
  }

  /** Logits W_o h + b_o for every row of h. */
  private decode(h: Var): Var {
    return ag.linear(h, this.decoderWeight, this.params.get('decoder.bias'));
  }

  /** The weights by their PyTorch names; a tied model's decoder.weight is the embedding again (load_state_dict wants both). */
  stateDict(): StateDict {
    return paramStateDict(this.params, this.shape.tied ? { 'decoder.weight': 'encoder.weight' } : {});
  }

  loadStateDict(d: StateDict): void {
    loadParamStateDict(this.params, d.tensors);
  }

  /** Logits of the last time step, for sampling: inputs are B ids, one step. */
  stepLogits(inputs: Int32Array, sPrev: Var): { logits: Var; sK: Var } {
    const x = ag.embedding(this.params.get('encoder.weight'), inputs);
    const { top, sK } = lstmStackForward(this.params, this.shape.hidden, x, sPrev, 1);
    return { logits: this.decode(top), sK };
  }
}
