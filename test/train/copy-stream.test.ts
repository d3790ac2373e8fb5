// The copy tasks as a stream (docs/algorithm.md §12): the layout of every row's
// stream across chunk boundaries, the loss over the output positions inside a
// chunk, samples, the curriculum, a seed at every chunk, and the guards between
// the stream and the episodic protocol on resume.
import { describe, expect, it } from 'vitest';
import { Var } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { resolveConfig } from '../../src/train/config.js';
import type { CopyModel } from '../../src/models/copy-model.js';
import { CopySource } from '../../src/train/copy-source.js';
import { CopyStreamSource } from '../../src/train/copy-stream.js';
import { setupRun } from '../../src/train/setup.js';
import { Trainer } from '../../src/train/trainer.js';

const W = 3; // bits per vector

function streamRun(copy: Record<string, unknown>, over: Record<string, unknown> = {}) {
  const cfg = resolveConfig({ task: 'copy', hidden: 6, batch: 3, bptt: 2, steps: 40, seed: 5, copy: { width: W, stream: true, ...copy }, ...over }, { baseDir: '.', source: 'test' });
  const s = setupRun(cfg);
  if (!(s.source instanceof CopyStreamSource)) throw new Error('not a stream');
  return { cfg, s, source: s.source };
}

const zeros = (B: number, S: number) => new Var(Tensor.zeros([B, S]), true);

/** Runs k chunks, returning each row's stream of inputs and targets (one vector per position), and each chunk's loss. */
function feed(source: CopyStreamSource, k: number) {
  const B = source.batch, T = source.T, iw = source.inWidth, ow = source.outWidth;
  const inputs: number[][][] = Array.from({ length: B }, () => []), targets: number[][][] = Array.from({ length: B }, () => []);
  const losses: (number | null)[] = [];
  for (let c = 0; c < k; c++) {
    const before = source.rows.map((r) => r.e);
    const out = source.forward(c, zeros(B, source.stateSize));
    losses.push(out.loss ? out.loss.item() : null);
    const x = (source as unknown as { last: { x: Tensor; y: Tensor } }).last;
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const at = t * B + b;
        inputs[b]!.push(Array.from(x.x.data.subarray(at * iw, (at + 1) * iw)));
        targets[b]!.push(Array.from(x.y.data.subarray(at * ow, (at + 1) * ow)));
      }
    }
    expect(before.length).toBe(B);
  }
  return { inputs, targets, losses };
}

describe('the stream copy task', () => {
  it('every row is one episode after another: chunk k holds positions kT…kT+T−1 whatever the episode boundaries', () => {
    // N = 2 held (a threshold no model reaches): episodes of 2N+1 = 5 positions, chunks of 2
    const { source } = streamRun({ min_length: 2, threshold: 1e-9 });
    const { inputs, targets } = feed(source, 10);
    for (let b = 0; b < source.batch; b++) {
      const xs = inputs[b]!, ys = targets[b]!;
      expect(xs.length).toBe(20);
      for (let p = 0; p < 20; p++) {
        const phase = p % 5, x = xs[p]!, y = ys[p]!;
        if (phase < 2) {
          expect(x.slice(0, W).every((v) => v === 0 || v === 1)).toBe(true);
          expect(x[W]).toBe(0); // no delimiter
          expect(y).toEqual([0, 0, 0]);
        } else if (phase === 2) {
          expect(x).toEqual([0, 0, 0, 1]);
          expect(y).toEqual([0, 0, 0]);
        } else {
          expect(x).toEqual([0, 0, 0, 0]);
          // the output phase repeats the episode's bits, in order
          expect(y).toEqual(xs[p - 3]!.slice(0, W));
        }
      }
      // the four episodes are not the same bits over and over
      const seqs = new Set([0, 5, 10, 15].map((p) => JSON.stringify([xs[p], xs[p + 1]])));
      expect(seqs.size).toBeGreaterThan(1);
    }
  });

  it('the loss of a chunk is the mean per-bit cross-entropy over the output positions inside it; none: null', () => {
    const { source, s } = streamRun({ min_length: 2, threshold: 1e-9 });
    const model = s.model as CopyModel;
    for (let c = 0; c < 6; c++) {
      // positions 2c, 2c+1 of every row: output positions are phases 3, 4 of an episode of 5
      const sPrev = zeros(source.batch, source.stateSize);
      const out = source.forward(c, sPrev);
      const last = (source as unknown as { last: { x: Tensor; y: Tensor } }).last;
      const all = Array.from({ length: 2 * source.batch }, (_, i) => i);
      const logits = model.forwardChunk(last.x, last.y, all, 2, zeros(source.batch, source.stateSize)).logits.value.data;
      let sum = 0, n = 0;
      for (let t = 0; t < 2; t++) {
        if ((2 * c + t) % 5 < 3) continue;
        for (let b = 0; b < source.batch; b++) {
          for (let j = 0; j < W; j++) {
            const z = logits[(t * source.batch + b) * W + j]!, y = last.y.data[(t * source.batch + b) * W + j]!;
            sum += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
            n++;
          }
        }
      }
      if (n === 0) expect(out.loss, `chunk ${c}`).toBeNull();
      else expect(out.loss!.item()).toBeCloseTo(sum / n, 5);
      expect(out.terminal).toBe(false);
    }
  });

  it('samples counts the episodes completed over all rows', () => {
    const { source } = streamRun({ min_length: 2, threshold: 1e-9 });
    for (let c = 1; c <= 12; c++) {
      source.forward(c - 1, zeros(source.batch, source.stateSize));
      expect(source.recordFields().samples, `after ${c} chunks`).toBe(source.batch * Math.floor((2 * c) / 5));
    }
  });

  it('a solved window raises the level after the chunk\'s forward; rows take it up at their next episode', () => {
    // any error is below 1000 bits: every full window of 3 episodes (one per row) is solved
    const { source } = streamRun({ min_length: 1, max_length: 4, threshold: 1000, sequences: 3 });
    const lengths: number[][] = [], levels: number[] = [], samples: number[] = [];
    for (let c = 0; c < 6; c++) {
      source.forward(c, zeros(source.batch, source.stateSize));
      lengths.push(source.rows.map((r) => r.e.length));
      levels.push(source.recordFields().copy_n);
      samples.push(source.recordFields().samples);
    }
    // chunk 1 (positions 2, 3): the N = 1 episodes (3 positions) end at 2, the next begin at 3 still at N = 1
    // (the errors are known after the forward), and the full window then raises N to 2. Those N = 1 episodes
    // end at 5 (chunk 2) and count as samples only; N = 2 episodes (5 positions) fill 6–10 and raise N to 3
    // after chunk 5, whose position 11 already began another N = 2 episode.
    expect(lengths).toEqual([[3, 3, 3], [3, 3, 3], [3, 3, 3], [5, 5, 5], [5, 5, 5], [5, 5, 5]]);
    expect(levels).toEqual([1, 2, 2, 2, 2, 3]);
    expect(samples).toEqual([0, 3, 6, 6, 6, 9]);
    expect(source.summary()).toMatchObject({ N: 3, bestN: 2, samples: 9 });
  });

  it('forwardAgain repeats the chunk just run, without touching the curriculum', () => {
    const { source } = streamRun({ min_length: 1, threshold: 1000, sequences: 3 });
    const sPrev = new Var(new Tensor(new Float32Array(3 * source.stateSize).fill(0.3), [3, source.stateSize]), true);
    source.forward(0, sPrev);
    const a = source.forward(1, sPrev);
    const before = JSON.stringify(source.state);
    const b = source.forwardAgain(1, sPrev);
    expect(Array.from(b.sK.value.data)).toEqual(Array.from(a.sK.value.data));
    expect(JSON.stringify(source.state)).toBe(before);
    expect(() => source.forwardAgain(0, sPrev)).toThrow(/the last chunk run was step 1/);
  });

  it('in a dni run the state is reset only at step 0 and every chunk gets a seed; one step is one epoch', () => {
    const { cfg, s } = streamRun({ min_length: 2 }, { policy: { name: 'dni' }, synthesizer: {} });
    const t = new Trainer(cfg, s.source, s.synth, s.rng);
    for (let k = 0; k < 12; k++) {
      const pos = s.source.position(k);
      expect(pos.resetState).toBe(k === 0);
      const r = t.stepOnce();
      expect([r.step, r.epoch, r.chunk, r.chunk_len]).toEqual([k, k, 0, 2]);
      expect(r.mode).toBe('synthetic');
      expect(r.ghat_norm).not.toBeNull();
    }
  });

  it('a stream checkpoint does not load into an episodic run, nor the other way round', () => {
    const { source } = streamRun({});
    const d = source.stateDict();
    const cfg = resolveConfig({ task: 'copy', hidden: 6, batch: 3, bptt: 2, steps: 4, copy: { width: W, stream: false } }, { baseDir: '.', source: 'test' });
    const ep = setupRun(cfg).source as CopySource;
    expect(() => ep.loadStateDict(d)).toThrow(/stream copy run .*"stream": true/);
    expect(() => source.loadStateDict(ep.stateDict())).toThrow(/episodic copy run .*--no-copy-stream/);
  });
});

describe('the discount γ on the stream', () => {
  it('γ = 1 changes δ but not what reaches the parameters (λĝ), where γ = λ given explicitly changes nothing', () => {
    const run = (discount: number | null) => {
      const { cfg, s } = streamRun({ min_length: 1 }, { policy: { name: 'dni' }, synthesizer: { normalize: 'none', train_at_reset: true, discount } });
      const t = new Trainer(cfg, s.source, s.synth, s.rng);
      return Array.from({ length: 6 }, () => t.stepOnce());
    };
    const base = run(null), same = run(0.1), one = run(1);
    expect(same).toEqual(base);
    // up to the first non-zero ĝ (the synthesizer starts at zero) nothing differs; at it, the model and its
    // gradient are the same (the parameters get λĝ whatever γ), and δ is not
    const k = base.findIndex((r) => (r.ghat_norm ?? 0) > 0);
    expect(k).toBeGreaterThan(0);
    expect(one.slice(0, k)).toEqual(base.slice(0, k));
    expect(one[k]!.loss).toBe(base[k]!.loss);
    expect(one[k]!.grad_norm).toBe(base[k]!.grad_norm);
    expect(one[k]!.delta_norm).not.toBe(base[k]!.delta_norm);
  });
});
