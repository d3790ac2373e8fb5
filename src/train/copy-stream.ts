// The copy / repeat-copy tasks as a stream (docs/algorithm.md §12, Jaderberg et
// al.'s protocol): every batch row is an endless stream of episodes, one after
// the other; the recurrent state is reset only at the run's start, and chunk k
// covers stream positions kT … kT+T−1 wherever the episodes' boundaries fall, so
// truncation points meet every phase of an episode.
//
// Curriculum (docs/algorithm.md §12): each episode a row completes counts one
// sample; its bit errors join a window of the last `copy.sequences` episodes
// completed at the current level (across rows, in stream order: time, then
// row). When the window is full and its mean is below `copy.threshold`, the
// level is solved and goes up (nextLevel). The level is read when a row begins
// an episode, so a raise takes effect at each row's next episode; errors are
// known only after a chunk's forward, so an episode begun inside the chunk that
// solved a level still has the old one. Episodes begun at an older level count
// as samples but not in the window.
//
// Units: a stream has no epochs. For the schedule and the policies one step is
// one "epoch" (epoch = step, one chunk each), so `epochs: E` runs E steps and
// every unit counts steps.
import { Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { copyWidths, makeEpisode, scoredSteps, type CopyEpisode, type CopyKind } from '../data/copy-task.js';
import type { CopyModel } from '../models/copy-model.js';
import type { StateDict, Stateful } from '../models/state.js';
import { nextLevel, type CopySummary } from './copy-source.js';
import type { ChunkSource } from './trainer.js';
import type { StepPosition } from './schedule.js';
import type { CopyConfig } from './config.js';

/** A row's episode under way: a one-sequence episode, the position reached in it, its wrong bits so far. */
interface RowEpisode {
  e: CopyEpisode;
  /** the next stream position to feed, within the episode */
  pos: number;
  wrong: number;
}

export interface StreamState {
  /** the level new episodes begin at */
  N: number;
  R: number;
  /** episodes completed over all rows */
  samples: number;
  /** bit errors of the last episodes completed at the current level (at most `copy.sequences`) */
  recent: number[];
  /** the largest level whose window fell below the threshold */
  bestN: number;
  bestR: number;
}

/** One chunk's inputs, targets and scored rows, kept for a second forward of the same chunk. */
interface ChunkData {
  step: number;
  x: Tensor;
  y: Tensor;
  /** rows t·B + b of the chunk whose outputs are scored, with the episode each belongs to */
  rows: number[];
  owners: RowEpisode[];
  /** episodes that ended inside the chunk, in stream order */
  ended: RowEpisode[];
}

export class CopyStreamSource implements ChunkSource, Stateful {
  readonly params: CopyModel['params'];
  readonly stateSize: number;
  readonly inWidth: number;
  readonly outWidth: number;
  state: StreamState;
  rows: RowEpisode[];
  private last: ChunkData | null = null;

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
    ({ inWidth: this.inWidth, outWidth: this.outWidth } = copyWidths(kind, cfg.width));
    this.state = { N: cfg.min_length, R: 1, samples: 0, recent: [], bestN: 0, bestR: 0 };
    // the first episodes are drawn row by row, after the model's and the synthesizer's initialisation
    this.rows = Array.from({ length: batch }, () => this.newEpisode());
  }

  /** Row 0's episode under way (one sequence, B = 1): what a display shows of the stream. */
  get episode(): CopyEpisode {
    return this.rows[0]!.e;
  }

  private newEpisode(): RowEpisode {
    const { N, R } = this.state;
    return { e: makeEpisode(this.kind, this.cfg.width, N, R, this.cfg.repeats_max, 1, this.rng), pos: 0, wrong: 0 };
  }

  position(step: number): StepPosition {
    return { step, epoch: step, chunk: 0, chunksPerEpoch: 1, resetState: step === 0 };
  }

  /** Lays out the next T stream positions of every row (time-major), drawing new episodes where one ends. */
  private nextChunk(step: number): ChunkData {
    const B = this.batch, T = this.T, iw = this.inWidth, ow = this.outWidth;
    const x = Tensor.zeros([T * B, iw]), y = Tensor.zeros([T * B, ow]);
    const rows: number[] = [], owners: RowEpisode[] = [], ended: RowEpisode[] = [];
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        let r = this.rows[b]!;
        if (r.pos === r.e.length) {
          r = this.newEpisode();
          this.rows[b] = r;
        }
        const p = r.pos++, at = t * B + b;
        x.data.set(r.e.inputs.subarray(p * iw, (p + 1) * iw), at * iw);
        y.data.set(r.e.targets.subarray(p * ow, (p + 1) * ow), at * ow);
        if (p > r.e.N) rows.push(at), owners.push(r);
        if (r.pos === r.e.length) ended.push(r);
      }
    }
    return { step, x, y, rows, owners, ended };
  }

  forward(step: number, sPrev: Var): { loss: Var | null; sK: Var; len: number; terminal: boolean; top: Var } {
    const c = this.nextChunk(step);
    this.last = c;
    const out = this.model.forwardChunk(c.x, c.y, c.rows, this.T, sPrev);
    // a bit is wrong when the sign of its logit disagrees with the target
    const lg = out.logits.value.data, ow = this.outWidth;
    c.rows.forEach((row, i) => {
      for (let j = 0; j < ow; j++) if (lg[row * ow + j]! > 0 !== c.y.data[row * ow + j]! > 0.5) c.owners[i]!.wrong++;
    });
    for (const r of c.ended) this.endEpisode(r);
    return { loss: out.loss, sK: out.sK, len: this.T, terminal: false, top: out.top };
  }

  /** The forward of the chunk just run, once more (same data, no curriculum update). */
  forwardAgain(step: number, sPrev: Var): { sK: Var } {
    const c = this.last;
    if (!c || c.step !== step) throw new Error(`forwardAgain(${step}): the last chunk run was ${c ? `step ${c.step}` : 'none'}`);
    return this.model.forwardChunk(c.x, c.y, c.rows, this.T, sPrev);
  }

  private endEpisode(r: RowEpisode): void {
    const st = this.state;
    st.samples++;
    if (r.e.N !== st.N || r.e.R !== st.R) return;
    st.recent.push(r.wrong);
    if (st.recent.length < this.cfg.sequences) return;
    if (mean(st.recent) < this.cfg.threshold) {
      st.bestN = st.N;
      st.bestR = st.R;
      ({ N: st.N, R: st.R } = nextLevel(this.kind, st.N, st.R, this.cfg));
      st.recent = [];
    } else st.recent.shift();
  }

  recentError(): number {
    return this.state.recent.length === 0 ? NaN : mean(this.state.recent);
  }

  /** The curriculum's level and the episodes completed, added to every step record. */
  recordFields(): { copy_n: number; copy_r: number; samples: number } {
    return { copy_n: this.state.N, copy_r: this.state.R, samples: this.state.samples };
  }

  summary(): CopySummary {
    const st = this.state;
    return { N: st.N, R: st.R, bestN: st.bestN, bestR: st.bestR, recentError: this.recentError(), samples: st.samples };
  }

  /** The curriculum and every row's episode under way (its bits as drawn, and how far the row got). */
  stateDict(): StateDict {
    const cat = (f: (e: CopyEpisode) => Float32Array) => {
      const parts = this.rows.map((r) => f(r.e));
      const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) all.set(p, at), (at += p.length);
      return new Tensor(all, [all.length]);
    };
    return {
      tensors: new Map([
        ['state.copy_inputs', cat((e) => e.inputs)],
        ['state.copy_targets', cat((e) => e.targets)],
      ]),
      meta: { stream: true, ...this.state, rows: this.rows.map((r) => ({ N: r.e.N, R: r.e.R, length: r.e.length, pos: r.pos, wrong: r.wrong })) },
    };
  }

  loadStateDict(d: StateDict): void {
    const m = d.meta as (StreamState & { stream?: boolean; rows: { N: number; R: number; length: number; pos: number; wrong: number }[] }) | null;
    if (!m) throw new Error('the metadata entry "copy" (the curriculum) is missing');
    if (m.stream !== true) {
      throw new Error('it holds an episodic copy run (copy.stream false), and this run is configured as a stream; resume it with "copy": {"stream": false} (--no-copy-stream)');
    }
    if (m.rows.length !== this.batch) throw new Error(`it holds ${m.rows.length} rows, the configured run has batch ${this.batch}`);
    const get = (name: string): Float32Array => {
      const t = d.tensors.get(name);
      if (!t) throw new Error(`missing tensor ${name}`);
      return Float32Array.from(t.data);
    };
    const inputs = get('state.copy_inputs'), targets = get('state.copy_targets');
    let ia = 0, ta = 0;
    this.rows = m.rows.map(({ N, R, length, pos, wrong }) => {
      const e: CopyEpisode = {
        kind: this.kind, N, R, B: 1, length, inWidth: this.inWidth, outWidth: this.outWidth,
        inputs: inputs.slice(ia, ia + length * this.inWidth), targets: targets.slice(ta, ta + length * this.outWidth),
        scored: scoredSteps(N, length),
      };
      ia += length * this.inWidth;
      ta += length * this.outWidth;
      return { e, pos, wrong };
    });
    if (ia !== inputs.length || ta !== targets.length) throw new Error('tensor state.copy_inputs does not hold the rows\' episodes the metadata describes');
    const { N, R, samples, recent, bestN, bestR } = m;
    this.state = { N, R, samples, recent: [...recent], bestN, bestR };
    this.last = null;
  }
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
