// Step 5 of docs/algorithm.md §4 with iterate averaging (`synthesizer.average`;
// docs/algorithm.md §10, docs/results.md "Averaged synthesizer weights").
//
// Adam moves every weight by about its lr each step whatever the noise, so on a target
// whose predictable part is small beside its noise (a language model's δ) the weights
// jitter around the regression they are learning instead of settling on it. The mean
// of the iterates does settle there (Polyak & Juditsky 1992): Adam trains its own copy
// of the weights on each pair exactly as in §4, and the synthesizer that gives ĝ holds
// their running mean over about `average` steps (a plain mean over the first steps).
import type { FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { copyInto, type StateDict, type Stateful } from '../models/state.js';
import type { Synthesizer } from '../models/synthesizers.js';
import type { Adam } from './optimizers.js';
import { fitSynthesizer, type SynthFit } from './synth-fit.js';

/** The weights Adam trains, apart from the averaged ones the synthesizer predicts ĝ with. */
export class AveragedFit implements Stateful {
  /** The trained (not averaged) weights, laid out as the synthesizer's flat parameters. */
  readonly raw: FloatArray;
  /** Fit steps taken in. */
  steps = 0;
  private readonly mean: FloatArray;

  constructor(synth: Synthesizer, readonly adam: Adam, readonly horizon: number) {
    if (!(horizon >= 1)) throw new RangeError(`synthesizer.average must be >= 1 step to average (got ${horizon})`);
    this.raw = synth.params.data.slice();
    this.mean = synth.params.data.slice();
  }

  /**
   * One Adam step of the trained weights on (s_{k−1}, δ_{k−1}) (synth-fit.ts), then the
   * synthesizer's weights move to the running mean. The loss and cosine reported are
   * the trained weights' prediction before the update, as without averaging.
   */
  fit(synth: Synthesizer, lr: number, sPrev: Tensor, delta: Tensor, rng: Rng | null, ids: Int32Array | null = null): SynthFit {
    const p = synth.params.data;
    const mean = this.mean;
    mean.set(p);
    p.set(this.raw);
    const sigmaBefore = synth.normalizer?.sigma ?? 1;
    const fit = fitSynthesizer(synth, this.adam, lr, sPrev, delta, rng, ids);
    this.raw.set(p);
    // PopArt rescaled the trained weights' last layer as σ moved; the mean must follow, or ĝ = σ·M(s) would jump
    p.set(mean);
    const sigmaAfter = synth.normalizer?.sigma ?? 1;
    if (sigmaAfter !== sigmaBefore) synth.rescaleOutput(sigmaBefore / sigmaAfter);
    this.steps += 1;
    const w = Math.max(1 / this.steps, 1 / this.horizon);
    const raw = this.raw;
    for (let i = 0; i < p.length; i++) p[i] = p[i]! + w * (raw[i]! - p[i]!);
    return fit;
  }

  stateDict(): StateDict {
    const d = this.adam.stateDict();
    d.tensors.set('average_raw', new Tensor(this.raw, [this.raw.length]));
    return { tensors: d.tensors, meta: { ...d.meta, average_steps: this.steps } };
  }

  loadStateDict(d: StateDict): void {
    this.adam.loadStateDict(d);
    copyInto(new Tensor(this.raw, [this.raw.length]), d.tensors.get('average_raw'), 'synth_optimizer.average_raw');
    this.steps = (d.meta?.average_steps as number | undefined) ?? 0;
  }
}
