// synthesizer.average (src/train/synth-average.ts): ĝ comes from the running mean of
// the Adam iterates, in δ's units whatever PopArt's σ does, and Adam's own trajectory
// is §4's exactly.
import { describe, expect, it } from 'vitest';
import { createSynthesizer, type Synthesizer } from '../../src/models/synthesizers.js';
import { resolveConfig, type RunConfig } from '../../src/train/config.js';
import { Adam } from '../../src/train/optimizers.js';
import { AveragedFit } from '../../src/train/synth-average.js';
import { fitSynthesizer } from '../../src/train/synth-fit.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { noGrad, Var } from '../../src/autograd/variable.js';

const S = 6, B = 5;

function config(synthesizer: Record<string, unknown>): NonNullable<RunConfig['synthesizer']> {
  return resolveConfig({ task: 'copy', hidden: 3, batch: B, bptt: 2, steps: 1, synthesizer }, { baseDir: '/', source: 'test' }).synthesizer!;
}

/** Pairs whose targets change scale by orders of magnitude, so that σ moves. */
function pair(rng: Rng, k: number): { s: Tensor; y: Tensor } {
  const s = Tensor.zeros([B, S], 'float32'), y = Tensor.zeros([B, S], 'float32');
  for (let i = 0; i < s.size; i++) s.data[i] = rng.uniformRange(-1, 1);
  const scale = 10 ** ((k % 5) - 2);
  for (let i = 0; i < y.size; i++) y.data[i] = scale * (0.3 * s.data[i]! + rng.normal(0, 1));
  return { s, y };
}

/** The synthesizer's prediction in δ's units, σ·M(s). */
function predictTarget(synth: Synthesizer, s: Tensor): Float64Array {
  const out = noGrad(() => synth.predict(new Var(s), 'previous', null));
  const sigma = synth.normalizer?.sigma ?? 1;
  return Float64Array.from(out.value.data, (v) => sigma * v);
}

describe('synthesizer.average: ĝ from the running mean of the Adam iterates', () => {
  for (const normalize of ['none', 'popart'] as const) {
    it(`trains the same iterates as §4 and predicts with their mean in δ's units (normalize ${normalize})`, () => {
      for (const horizon of [1, 4, 1000]) {
        const sc = config({ normalize, average: horizon });
        const plain = createSynthesizer(sc, S, new Rng(3), 0.1), averaged = createSynthesizer(sc, S, new Rng(3), 0.1);
        const adam = new Adam(plain.params);
        const fit = new AveragedFit(averaged, new Adam(averaged.params), horizon);
        const rng = new Rng(11), probe = pair(new Rng(99), 0).s;
        // the mean of σ_k·M_k(probe) over the iterates, as the horizon weighs them
        let mean: Float64Array | null = null;
        for (let k = 0; k < 12; k++) {
          const { s, y } = pair(rng, k);
          const a = fitSynthesizer(plain, adam, 1e-2, s, y, null);
          const b = fit.fit(averaged, 1e-2, s, y, null);
          // the loss and cosine are the trained copy's: the same numbers as without averaging
          expect(b.loss).toBe(a.loss);
          expect(b.cos).toBe(a.cos);
          expect(Array.from(fit.raw)).toEqual(Array.from(plain.params.data));
          const now = predictTarget(plain, probe);
          const w = Math.max(1 / (k + 1), 1 / horizon);
          mean = mean ? mean.map((m, i) => m + w * (now[i]! - m)) : now;
          const got = predictTarget(averaged, probe);
          // float32 weights rescaled as σ moves: equal to a few ulps of the vector's size
          const size = Math.max(...mean.map(Math.abs));
          for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - mean[i]!)).toBeLessThan(1e-5 * size);
        }
        if (horizon === 1) expect(Array.from(averaged.params.data)).toEqual(Array.from(plain.params.data));
        else expect(Array.from(averaged.params.data)).not.toEqual(Array.from(plain.params.data));
      }
    });
  }

  it('is refused with the ridge fit, with the key named', () => {
    expect(() => config({ fit: 'ridge', average: 100 })).toThrow(/synthesizer\.average.*ridge/);
    expect(() => config({ average: -1 })).toThrow(/synthesizer\.average/);
    expect(() => config({ average: 0.5 })).toThrow(/synthesizer\.average.*0 \(off\) or a number of steps >= 1/);
    expect(config({}).average).toBe(0);
  });
});
