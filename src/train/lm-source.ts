// The language-model tasks (charlm, wordlm) as a chunk source: the training
// stream laid out by batchify is cut into chunks of T steps, one per optimizer
// step, an epoch being one pass; and the evaluation of a held-out split (§7).
import { noGrad, Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import type { Batched } from '../data/batch.js';
import type { LstmLm } from '../models/lstm-lm.js';
import type { StateDict, Stateful } from '../models/state.js';
import type { ChunkSource } from './trainer.js';
import type { StepPosition } from './schedule.js';

/** Chunks per epoch: the last of the L − 1 (input, target) steps ends the last chunk, which may be short. */
export function chunksPerEpoch(L: number, T: number): number {
  return Math.ceil((L - 1) / T);
}

export class LmSource implements ChunkSource, Stateful {
  readonly params: LstmLm['params'];
  readonly stateSize: number;
  readonly batch: number;
  private readonly C: number;

  constructor(readonly model: LstmLm, readonly train: Batched, readonly T: number) {
    this.params = model.params;
    this.stateSize = model.stateSize;
    this.batch = train.B;
    this.C = chunksPerEpoch(train.L, T);
  }

  position(step: number): StepPosition {
    const C = this.C;
    return { step, epoch: Math.floor(step / C), chunk: step % C, chunksPerEpoch: C };
  }

  forward(step: number, sPrev: Var): { loss: Var; sK: Var; len: number } {
    const { train, T } = this, B = this.batch;
    const start = (step % this.C) * T;
    const len = Math.min(T, train.L - 1 - start);
    const inputs = train.data.subarray(start * B, (start + len) * B);
    const targets = train.data.subarray((start + 1) * B, (start + 1 + len) * B);
    return { ...this.model.forwardChunk(inputs, targets, len, sPrev), len };
  }

  /** Nothing to save: where a step stands follows from its number. */
  stateDict(): StateDict {
    return { tensors: new Map(), meta: null };
  }

  loadStateDict(): void {}
}

export function lmChunkSource(model: LstmLm, train: Batched, T: number): LmSource {
  return new LmSource(model, train, T);
}

/** Mean loss per token over a whole split, state carried across chunks, no parameter change (§7). */
export function evaluateLm(model: LstmLm, data: Batched, T: number): { loss: number; ppl: number; bpc: number; tokens: number } {
  return noGrad(() => {
    const { B, L } = data;
    let s = new Var(Tensor.zeros([B, model.stateSize], model.params.dtype));
    let total = 0, tokens = 0;
    for (let start = 0; start < L - 1; start += T) {
      const len = Math.min(T, L - 1 - start);
      const inputs = data.data.subarray(start * B, (start + len) * B);
      const targets = data.data.subarray((start + 1) * B, (start + 1 + len) * B);
      const { loss, sK } = model.forwardChunk(inputs, targets, len, s);
      total += loss.item() * len * B;
      tokens += len * B;
      s = sK;
    }
    const loss = total / tokens;
    return { loss, ppl: Math.exp(loss), bpc: loss / Math.LN2, tokens };
  });
}
