// The copy / repeat-copy tasks as a chunk source (an "epoch" is one episode of
// B sequences; chunks never straddle two episodes), with the curriculum of §8:
// after every episode the bit errors per sequence are recorded; when their mean
// over the last `CURRICULUM_WINDOW` episodes at the current level is below
// `copy.threshold`, the level goes up: copy raises N by one; repeat-copy raises
// N when N ≤ R, else R (each up to its maximum).
import { Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { makeEpisode, scoredSteps, type CopyEpisode, type CopyKind } from '../data/copy-task.js';
import type { CopyModel } from '../models/copy-model.js';
import type { StateDict, Stateful } from '../models/state.js';
import type { ChunkSource } from './trainer.js';
import type { StepPosition } from './schedule.js';
import type { CopyConfig } from './config.js';

export const CURRICULUM_WINDOW = 3;

export interface CurriculumState {
  N: number;
  R: number;
  episode: number;
  chunk: number;
  /** bit errors per sequence of the recent episodes at this level */
  recent: number[];
  /** wrong bits so far in the current episode */
  wrong: number;
  /** the largest N (and R) at which an episode was completed below the threshold */
  bestN: number;
  bestR: number;
}

/** Where the copy curriculum stands: the current N and R, the largest solved, and the recent bit errors per sequence. */
export interface CopySummary {
  N: number;
  R: number;
  bestN: number;
  bestR: number;
  recentError: number;
}

/** The copy / repeat-copy task as a ChunkSource: generated episodes and the curriculum that lengthens them (docs/algorithm.md §8). */
export class CopySource implements ChunkSource, Stateful {
  readonly params: CopyModel['params'];
  readonly stateSize: number;
  state: CurriculumState;
  episode: CopyEpisode;

  constructor(
    readonly kind: CopyKind,
    readonly model: CopyModel,
    readonly cfg: CopyConfig,
    readonly batch: number,
    readonly T: number,
    private readonly rng: Rng,
  ) {
    this.params = model.params;
    this.stateSize = model.stateSize;
    this.state = { N: cfg.min_length, R: 1, episode: 0, chunk: 0, recent: [], wrong: 0, bestN: 0, bestR: 0 };
    this.episode = this.newEpisode();
  }

  private newEpisode(): CopyEpisode {
    const { N, R } = this.state;
    return makeEpisode(this.kind, this.cfg.width, N, R, this.cfg.repeats_max, this.batch, this.rng);
  }

  private chunksOf(e: CopyEpisode): number {
    return Math.ceil(e.length / this.T);
  }

  position(step: number): StepPosition {
    // Each episode starts from a zero state (it is one "epoch" of the schedule).
    return { step, epoch: this.state.episode, chunk: this.state.chunk, chunksPerEpoch: this.chunksOf(this.episode) };
  }

  forward(_step: number, sPrev: Var): { loss: Var | null; sK: Var; len: number; terminal: boolean; top: Var } {
    const e = this.episode, B = this.batch, st = this.state;
    const t0 = st.chunk * this.T;
    const len = Math.min(this.T, e.length - t0);
    const x = new Tensor(e.inputs.slice(t0 * B * e.inWidth, (t0 + len) * B * e.inWidth), [len * B, e.inWidth]);
    const y = new Tensor(e.targets.slice(t0 * B * e.outWidth, (t0 + len) * B * e.outWidth), [len * B, e.outWidth]);
    const rows: number[] = [];
    for (const t of e.scored) if (t >= t0 && t < t0 + len) for (let b = 0; b < B; b++) rows.push((t - t0) * B + b);
    const out = this.model.forwardChunk(x, y, rows, len, sPrev);
    // a bit is wrong when the sign of its logit disagrees with the target
    const lg = out.logits.value.data;
    for (const r of rows) {
      for (let j = 0; j < e.outWidth; j++) {
        if (lg[r * e.outWidth + j]! > 0 !== y.data[r * e.outWidth + j]! > 0.5) st.wrong++;
      }
    }
    st.chunk++;
    // The state is reset after an episode: no future loss depends on its last s_k.
    const terminal = st.chunk === this.chunksOf(e);
    if (terminal) this.endEpisode();
    return { loss: out.loss, sK: out.sK, len, terminal, top: out.top };
  }

  /** Bit errors per sequence of the episode just finished, then the curriculum. */
  private endEpisode(): void {
    const st = this.state;
    st.recent.push(st.wrong / this.batch);
    if (st.recent.length > CURRICULUM_WINDOW) st.recent.shift();
    const mean = st.recent.reduce((a, b) => a + b, 0) / st.recent.length;
    if (st.wrong / this.batch < this.cfg.threshold && st.N * st.R > st.bestN * st.bestR) {
      st.bestN = st.N;
      st.bestR = st.R;
    }
    if (st.recent.length === CURRICULUM_WINDOW && mean < this.cfg.threshold) {
      if (this.kind === 'copy' || st.N <= st.R || st.R >= this.cfg.repeats_max) st.N = Math.min(st.N + 1, this.cfg.max_length);
      else st.R = Math.min(st.R + 1, this.cfg.repeats_max);
      st.recent = [];
    }
    st.episode++;
    st.chunk = 0;
    st.wrong = 0;
    this.episode = this.newEpisode();
  }

  /** Mean bit errors per sequence over the recent episodes (NaN before the first). */
  recentError(): number {
    const r = this.state.recent;
    return r.length === 0 ? NaN : r.reduce((a, b) => a + b, 0) / r.length;
  }

  /** The curriculum's level, added to every step record. */
  recordFields(): { copy_n: number; copy_r: number } {
    return { copy_n: this.episode.N, copy_r: this.episode.R };
  }

  /** Where the curriculum got to, for the run's result. */
  summary(): CopySummary {
    const st = this.state;
    return { N: st.N, R: st.R, bestN: st.bestN, bestR: st.bestR, recentError: this.recentError() };
  }

  /** The curriculum and the episode under way (its bits as drawn, so that a resumed run finishes the same one). */
  stateDict(): StateDict {
    const e = this.episode;
    return {
      tensors: new Map([
        ['state.copy_inputs', new Tensor(e.inputs, [e.inputs.length])],
        ['state.copy_targets', new Tensor(e.targets, [e.targets.length])],
      ]),
      meta: { ...this.state, episode_shape: { N: e.N, R: e.R, length: e.length } },
    };
  }

  loadStateDict(d: StateDict): void {
    const get = (name: string): Float32Array => {
      const t = d.tensors.get(name);
      if (!t) throw new Error(`missing tensor ${name}`);
      return Float32Array.from(t.data);
    };
    if (!d.meta) throw new Error('the metadata entry "copy" (the curriculum) is missing');
    const { episode_shape: shape, ...curriculum } = d.meta as unknown as CurriculumState & { episode_shape: { N: number; R: number; length: number } };
    this.state = curriculum;
    const e = this.episode;
    const inputs = get('state.copy_inputs'), targets = get('state.copy_targets');
    this.episode = { ...e, N: shape.N, R: shape.R, length: shape.length, inputs, targets, scored: scoredSteps(shape.N, shape.length) };
  }
}
