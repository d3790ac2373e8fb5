// The language-model tasks (charlm, wordlm) as a chunk source: the training
// stream laid out by batchify is cut into chunks of T steps, one per optimizer
// step, an epoch being one pass; and the evaluation of a held-out split (§7).
import { noGrad, Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import { chunkBounds, chunkCount, chunkInputs, chunkTargets, type Batched } from '../data/batch.js';
import type { LstmLm } from '../models/lstm-lm.js';
import type { StateDict, Stateful } from '../models/state.js';
import type { ChunkSource } from './trainer.js';
import type { StepPosition } from './schedule.js';

/** A language-model task as a ChunkSource: the batchified stream cut into chunks of T steps, one per optimizer step. */
export class LmSource implements ChunkSource, Stateful {
  readonly params: LstmLm['params'];
  readonly stateSize: number;
  readonly batch: number;
  private readonly C: number;

  constructor(readonly model: LstmLm, readonly train: Batched, readonly T: number) {
    this.params = model.params;
    this.stateSize = model.stateSize;
    this.batch = train.B;
    this.C = chunkCount(train.L, T);
  }

  position(step: number): StepPosition {
    const C = this.C;
    return { step, epoch: Math.floor(step / C), chunk: step % C, chunksPerEpoch: C };
  }

  forward(step: number, sPrev: Var): { loss: Var; sK: Var; len: number; top: Var } {
    const chunk = chunkBounds(step % this.C, this.train.L, this.T);
    const inputs = chunkInputs(this.train, chunk), targets = chunkTargets(this.train, chunk);
    return { ...this.model.forwardChunk(inputs, targets, chunk.len, sPrev), len: chunk.len };
  }

  /** The chunk's forward has no side effect here, so repeating it is the forward itself. */
  forwardAgain(step: number, sPrev: Var): { sK: Var } {
    return this.forward(step, sPrev);
  }

  /** cDNI: the ids of `slots` positions from the chunk's first input ('start') or from the input after it ('end'). */
  conditionIds(step: number, at: 'start' | 'end', slots: number): Int32Array {
    const { B, L, data } = this.train;
    const chunk = chunkBounds(step % this.C, L, this.T);
    const p = at === 'start' ? chunk.start : chunk.start + chunk.len;
    const ids = new Int32Array(B * slots).fill(-1);
    for (let j = 0; j < slots && p + j < L; j++) {
      for (let b = 0; b < B; b++) ids[b * slots + j] = data[(p + j) * B + b]!;
    }
    return ids;
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
    for (let k = 0; k < chunkCount(L, T); k++) {
      const chunk = chunkBounds(k, L, T);
      const { loss, sK } = model.forwardChunk(chunkInputs(data, chunk), chunkTargets(data, chunk), chunk.len, s);
      total += loss.item() * chunk.len * B;
      tokens += chunk.len * B;
      s = sK;
    }
    const loss = total / tokens;
    return { loss, ppl: Math.exp(loss), bpc: loss / Math.LN2, tokens };
  });
}
