// Scale-free synthesizer targets (docs/algorithm.md §10), after PopArt (van Hasselt et
// al. 2016), scale only: δ is a gradient (mean ≈ 0), and what varies by orders of
// magnitude with B, T', H and the loss's normalisation is its overall size.
//
// σ² is a bias-corrected running mean of mean(δ²) over the batch's coordinates.
// The synthesizer's network predicts δ/σ and ĝ = σ·M_φ(s). Adam's step has a fixed
// size in the network's units, so in these units it is the right size whatever σ.
// When σ moves, the network's last layer is rescaled by σ_old/σ_new so that ĝ
// itself does not jump ("preserving outputs precisely").
import { Tensor } from '../tensor/tensor.js';
import type { FloatArray } from '../tensor/dtype.js';

export type NormalizeKind = 'none' | 'popart';

/** The running statistics' decay per synthesizer step (a memory of about 100 steps). */
export const TARGET_SCALE_DECAY = 0.99;

export const TARGET_SCALE_STATE = 'synth_state.target_scale';

/** A synthesizer's running target scale σ (PopArt, scale only): its network predicts δ/σ, and ĝ = σ·M_φ(s). */
export class TargetNormalizer {
  /** Running mean of mean(δ²), not yet bias-corrected. */
  private nu = 0;
  /** Updates so far (for the bias correction). */
  private count = 0;
  /** σ: the scale the network's outputs are multiplied by; 1 until a non-zero δ has been seen. */
  sigma = 1;

  constructor(readonly decay = TARGET_SCALE_DECAY) {}

  /**
   * Takes in one target δ and returns σ_old/σ_new, the factor the network's last
   * layer must be multiplied by to keep its outputs σ·M_φ(s) unchanged.
   */
  update(delta: FloatArray): number {
    let sq = 0;
    for (let i = 0; i < delta.length; i++) sq += delta[i]! * delta[i]!;
    this.nu = this.decay * this.nu + (1 - this.decay) * (sq / delta.length);
    this.count += 1;
    const meanSq = this.nu / (1 - powInt(this.decay, this.count));
    if (!(meanSq > 0) || !Number.isFinite(meanSq)) return 1;
    const old = this.sigma;
    this.sigma = Math.sqrt(meanSq);
    return old / this.sigma;
  }

  /** ν, the update count and σ as one float64 tensor, so that a resume continues bit for bit. */
  stateTensor(): Tensor {
    return new Tensor(Float64Array.from([this.nu, this.count, this.sigma]), [3]);
  }

  loadState(t: Tensor): void {
    if (t.size !== 3) throw new Error(`${TARGET_SCALE_STATE} has ${t.size} values, expected 3 (nu, count, sigma)`);
    [this.nu, this.count, this.sigma] = [t.data[0]!, t.data[1]!, t.data[2]!];
  }
}

/**
 * x^n for an integer n ≥ 0 by squaring: only multiplications, so every JavaScript
 * engine gives the same bits (Math.pow's last bit differs between V8 versions, and a
 * run in the lab's browser must equal the same run in Node).
 */
export function powInt(x: number, n: number): number {
  let r = 1, b = x;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) r *= b;
    b *= b;
  }
  return r;
}
