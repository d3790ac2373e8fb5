// Step 5 of docs/algorithm.md §4: one optimizer step of the synthesizer on the pair
// (s_{k−1}, δ_{k−1}), with the fit diagnostic sg_fit_cos of §11.
import { backward } from '../autograd/engine.js';
import * as ag from '../autograd/index.js';
import { Var } from '../autograd/variable.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import type { Synthesizer } from '../models/synthesizers.js';
import type { Adam } from './optimizers.js';

export interface SynthFit {
  /** ℓ_SG = (1/B) Σ_b ‖M_φ(s_{k−1,b}) − δ_{k−1,b}‖² before the update, in δ's units. */
  loss: number;
  /** cos(M_φ(s_{k−1}), δ_{k−1}) over the batch before the update; null when either is zero. */
  cos: number | null;
}

/**
 * One step of `opt` on ℓ_SG against the constant target δ (`ids`: what a conditioned
 * synthesizer reads besides s_{k−1}). With a normalizer the
 * network fits δ/σ after σ has taken in this δ (its last layer rescaled so that
 * its outputs in δ's units are unchanged), and the loss reported is σ² times its own.
 */
export function fitSynthesizer(synth: Synthesizer, opt: Adam, lr: number, sPrev: Tensor, delta: Tensor, rng: Rng | null,
  ids: Int32Array | null = null): SynthFit {
  const norm = synth.normalizer;
  let target = delta;
  if (norm) {
    synth.rescaleOutput(norm.update(delta.data));
    target = delta.clone();
    const t = target.data, sigma = norm.sigma;
    for (let i = 0; i < t.length; i++) t[i] = t[i]! / sigma;
  }
  synth.params.zeroGrad();
  const B = sPrev.shape[0]!;
  const pred = synth.predict(new Var(sPrev), 'previous', rng, ids);
  const cos = cosine(pred.value.data, delta.data);
  const err = ag.sub(pred, new Var(target));
  const lSG = ag.scale(ag.sumSquares(err), 1 / B);
  backward([lSG]);
  opt.step(lr);
  const loss = lSG.item();
  return { loss: norm ? norm.sigma * norm.sigma * loss : loss, cos };
}

/** cos(a, b) over all coordinates, summed in float64; null when either vector is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : null;
}
