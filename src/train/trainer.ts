// The training step of docs/algorithm.md §3–§4, for the language-model tasks.
// One call of `step()` is one optimizer step on one chunk:
//   forward → ĝ_k = M_φ(s_k) → one backward with both seeds → δ_{k−1}
//   → synthesizer step → clip → model step.
import { backward } from '../autograd/engine.js';
import * as ag from '../autograd/index.js';
import { noGrad, Var } from '../autograd/variable.js';
import { auxHeadLoss } from '../models/aux-head.js';
import { Tensor } from '../tensor/tensor.js';
import { Rng } from '../tensor/rng.js';
import { boundRows, synthInputWidth, synthOutputToTarget, type Synthesizer } from '../models/synthesizers.js';
import { fitSynthesizer, type SynthFit } from './synth-fit.js';
import { fitSynthesizerRidge, RidgeFit } from './ridge-fit.js';
import { AveragedFit } from './synth-average.js';
import { Adam, clipGradNorm, globalNorm, Sgd, type Optimizer } from './optimizers.js';
import type { ParamSet } from '../models/params.js';
import { lrForStep, modeForStep, type Mode, type StepPosition } from './schedule.js';
import type { RunConfig } from './config.js';
import type { StepRecord } from './curves.js';

export function createOptimizer(cfg: RunConfig['optimizer'], params: ParamSet): Optimizer {
  return cfg.name === 'adam'
    ? new Adam(params, cfg.betas[0], cfg.betas[1], cfg.eps, cfg.weight_decay)
    : new Sgd(params, cfg.momentum, cfg.weight_decay);
}

/** What a task gives the trainer: where each step stands, and the chunk's forward. */
export interface ChunkSource {
  /** The model whose parameters the optimizer updates. */
  readonly params: ParamSet;
  /** S, the width of the state vector s. */
  readonly stateSize: number;
  /** Batch rows B. */
  readonly batch: number;
  /** Where step `step` stands (called once per step, in order). */
  position(step: number): StepPosition;
  /**
   * Forward of step `step`'s chunk from sPrev [B,S]. `loss` is null when the chunk
   * has no supervised position (a copy task's input phase): then only a synthetic
   * seed, if any, drives the backward.
   */
  forward(step: number, sPrev: Var): { loss: Var | null; sK: Var; len: number; terminal?: boolean; top?: Var };
  /**
   * The same chunk's forward once more, without side effects (a discount γ ≠ λ needs
   * a second backward from s_k, and a backward releases its graph). Absent: γ must be λ.
   */
  forwardAgain?(step: number, sPrev: Var): { sK: Var };
  /**
   * cDNI: the ids [B·slots] of the `slots` stream positions from the start of step
   * `step`'s chunk (where s_{k−1} stands) or from its end (where s_k stands), −1 past
   * the stream's end. Absent: the task cannot condition the synthesizer.
   */
  conditionIds?(step: number, at: 'start' | 'end', slots: number): Int32Array;
}

/**
 * The stages of one step as stepOnce reaches them, with the values involved (for
 * the lab's step-through; an observer reads them and must not change them).
 * 'backward': steps 1–4 done (the model's gradient in params.grad, before clipping);
 * 'synthesizer': step 5 done; 'clip': the gradient clipped; 'update': the model stepped.
 */
export type StepObserver = (stage: 'backward' | 'synthesizer' | 'clip' | 'update', values: {
  sPrev: Tensor; sK: Tensor; gHat: Tensor | null; delta: Tensor; loss: number; gradNorm: number; sgLoss: number | null; lr: number; mode: Mode;
}) => void;

/** A step whose loss or gradient is not finite; nothing was updated. */
export class NonFiniteError extends Error {
  constructor(readonly step: number, readonly mode: Mode, readonly policy: string, what: string) {
    super(`step ${step}: ${what} is not finite (policy ${policy}, ${mode} mode); no parameter was updated by this step`);
    this.name = 'NonFiniteError';
  }
}

/** The training loop of docs/algorithm.md §3–§4: each `stepOnce()` is one optimizer step of the model (and one of the synthesizer) on the next chunk. */
export class Trainer {
  readonly source: ChunkSource;
  readonly synth: Synthesizer | null;
  readonly opt: Optimizer;
  /** How step 5 trains the synthesizer (`synthesizer.fit`, `average`): Adam on each pair (its iterates averaged or not), or the ridge fit's statistics. */
  readonly synthOpt: Adam | AveragedFit | RidgeFit | null;
  readonly cfg: RunConfig;
  /** RNG for everything random during training (the elementwise synthesizer's noise). */
  readonly rng: Rng;
  /** Optimizer steps completed. */
  step = 0;
  /** s_{k−1}: the state carried into the next chunk (values only). */
  sPrev: Tensor;
  /** Told each stage of stepOnce (null: no call, nothing computed for it). */
  observer: StepObserver | null = null;

  constructor(cfg: RunConfig, source: ChunkSource, synth: Synthesizer | null, rng: Rng) {
    this.cfg = cfg;
    this.source = source;
    this.synth = synth;
    this.rng = rng;
    this.opt = createOptimizer(cfg.optimizer, source.params);
    const sc = cfg.synthesizer;
    const adam = () => new Adam(synth!.params, sc!.betas[0], sc!.betas[1], sc!.eps, sc!.weight_decay);
    this.synthOpt = !synth || !sc ? null
      : sc.fit === 'ridge' ? new RidgeFit(source.stateSize, { ridge: sc.ridge, memory: sc.memory, refitEvery: sc.refit_every }, synthInputWidth(source.stateSize, synth.condition))
      : sc.average > 0 ? new AveragedFit(synth, adam(), sc.average)
      : adam();
    this.sPrev = Tensor.zeros([source.batch, source.stateSize], source.params.dtype);
    if (synth?.condition && !source.conditionIds) {
      throw new Error('synthesizer.condition reads the tokens after the cut, which this task\'s data source does not give; use 0');
    }
    if (sc && sc.discount !== null && sc.discount !== sc.scale && !source.forwardAgain) {
      throw new Error(`synthesizer.discount ${sc.discount} differs from synthesizer.scale ${sc.scale}, which this task's data source cannot do yet; leave discount null (= the scale)`);
    }
  }

  /**
   * One optimizer step on the next chunk; returns its metrics record. A non-finite
   * loss or gradient throws NonFiniteError before anything is updated.
   */
  stepOnce(): StepRecord {
    const cfg = this.cfg;
    const params = this.source.params;
    const pos = this.source.position(this.step);
    const B = this.source.batch;
    const atReset = pos.resetState ?? pos.chunk === 0;
    if (atReset) {
      // the recurrent state (and the synthesizer's own) is reset at the start of an epoch
      this.sPrev = Tensor.zeros([B, this.source.stateSize], params.dtype);
      this.synth?.resetState(B);
    }
    const lr = lrForStep(cfg.optimizer.lr, cfg.schedule, pos);
    const mode: Mode = this.synth ? modeForStep(cfg.policy, cfg.schedule, pos) : 'real';

    // steps 1–4: forward, ĝ_k, the two-seed backward, δ_{k−1}
    const { loss, sK, len, gHat, delta, auxLoss, boundFrac } = this.forwardBackward(mode);
    const lossValue = loss ? loss.item() : 0;
    const gradNorm = globalNorm(params.grad);
    if (!Number.isFinite(lossValue)) throw new NonFiniteError(pos.step, mode, cfg.policy.name, `the loss (${lossValue})`);
    if (!Number.isFinite(gradNorm)) throw new NonFiniteError(pos.step, mode, cfg.policy.name, `the gradient norm (${gradNorm})`);
    let sgLoss: number | null = null;
    const seen = this.observer && { sPrev: this.sPrev, sK: sK.value, gHat, delta, loss: lossValue, gradNorm, sgLoss, lr, mode };
    if (seen) this.observer!('backward', seen);

    // 5. train the synthesizer on (s_{k−1}, δ_{k−1}): ℓ_SG = (1/B) Σ_b ‖M_φ(s_{k−1,b}) − δ_{k−1,b}‖²
    //    (optionally not on the pair at a reset, whose s_{k−1} = 0 no ĝ is ever asked for)
    let fit: SynthFit | null = null;
    const sc = cfg.synthesizer;
    const trainSynth = this.synth && (mode === 'synthetic' || sc!.train_in_real) && (!atReset || sc!.train_at_reset);
    if (trainSynth) fit = this.synthesizerStep(this.sPrev, delta, this.idsAt('start'));
    sgLoss = fit ? fit.loss : null;
    if (seen) this.observer!('synthesizer', { ...seen, sgLoss });

    // 6. clip (grad_norm is logged before clipping, synthetic part included) and step the model
    clipGradNorm(params.grad, cfg.clip, gradNorm);
    if (seen) this.observer!('clip', { ...seen, sgLoss });
    this.opt.step(lr);
    if (seen) this.observer!('update', { ...seen, sgLoss });

    // s_k carried to the next chunk is the forward value computed with the pre-update parameters
    this.synth?.advance(sK.value);
    this.sPrev = sK.value;
    this.step += 1;
    return {
      step: pos.step,
      epoch: pos.epoch,
      chunk: pos.chunk,
      chunk_len: len,
      loss: lossValue,
      lr,
      mode,
      sg_loss: fit ? fit.loss : null,
      grad_norm: gradNorm,
      delta_norm: globalNorm(delta.data),
      ghat_norm: gHat ? globalNorm(gHat.data) : null,
      sg_fit_cos: fit ? fit.cos : null,
      ...(auxLoss !== undefined ? { aux_loss: auxLoss } : {}),
      ...(boundFrac !== undefined ? { sg_bound_frac: boundFrac } : {}),
    };
  }

  /**
   * Steps 1–4 of §4 for the next chunk from this.sPrev: leaves the model gradient
   * (synthetic part included) in params.grad and returns δ_{k−1}.
   */
  forwardBackward(mode: Mode): {
    loss: Var | null; sK: Var; len: number; gHat: Tensor | null; delta: Tensor; auxLoss?: number | null; boundFrac?: number | null;
  } {
    const params = this.source.params;
    const lambda = this.cfg.synthesizer?.scale ?? 0;
    const auxWeight = this.cfg.synthesizer?.aux ?? 0;

    // 1. forward from s_{k−1}; sPrev is a leaf so that δ_{k−1} = ∂/∂s_{k−1} arrives in sPrev.grad
    params.zeroGrad();
    const sPrev = new Var(this.sPrev, true, 'sPrev');
    const { loss, sK, len, terminal, top } = this.source.forward(this.step, sPrev);

    // 2. ĝ_k = M_φ(s_k), a constant: no gradient reaches φ from here. A terminal chunk
    //    (a copy episode's last: the state is reset after it) has no future, so no seed.
    //    DNI + Aux (aux-head.ts) reads the network's output in both modes.
    //    With a bound, boundFrac is the share of rows it scaled (null when nothing was predicted).
    const bound = this.cfg.synthesizer?.bound ?? null;
    let gHat: Tensor | null = null, netOut: Tensor | null = null;
    let boundFrac: number | null | undefined = bound === null ? undefined : null;
    const withAux = auxWeight > 0 && top !== undefined;
    if (this.synth && !terminal && (mode === 'synthetic' || withAux)) {
      const synth = this.synth;
      netOut = noGrad(() => synth.predict(sK.detach(), 'next', this.noiseRng(), this.idsAt('end')).value);
      if (bound !== null) {
        const { bounded, rows } = boundRows(netOut, bound);
        netOut = bounded;
        boundFrac = rows / netOut.shape[0]!;
      }
      if (mode === 'synthetic') gHat = synthOutputToTarget(synth, netOut);
    }

    // 3. one backward with two seeds: ∂/∂L_k = 1 and ∂/∂s_k = λ·ĝ_k (per batch row, not divided by B or T')
    //    (with aux: ∂/∂(L_k + aux·ℓ_aux) = 1)
    const roots: Var[] = [], seeds: (Tensor | number)[] = [];
    let lossRoot = loss, auxLoss: number | null | undefined;
    if (withAux) {
      auxLoss = null;
      if (netOut) {
        const lAux = auxHeadLoss(params.get('aux.weight'), params.get('aux.bias'), top, netOut);
        auxLoss = lAux.item();
        const weighted = ag.scale(lAux, auxWeight);
        lossRoot = loss ? ag.add(loss, weighted) : weighted;
      }
    }
    if (lossRoot) roots.push(lossRoot), seeds.push(1);
    if (gHat) roots.push(sK), seeds.push(gHat.scaled(lambda));
    if (roots.length > 0) backward(roots, seeds);

    // 4. the bootstrapped target δ_{k−1} = ∂L_k/∂s_{k−1} + (∂s_k/∂s_{k−1})ᵀ γ ĝ_k (γ = λ unless a discount is set)
    const delta = sPrev.grad ?? Tensor.zeros(this.sPrev.shape, this.sPrev.dtype);
    const gamma = this.cfg.synthesizer?.discount ?? lambda;
    if (gHat && gamma !== lambda) this.addDiscountCorrection(delta, gHat, gamma - lambda);
    return { loss, sK, len, gHat, delta, auxLoss, boundFrac };
  }

  /**
   * δ += (∂s_k/∂s_{k−1})ᵀ c·ĝ_k by a second forward and backward of the chunk from s_k
   * alone (the backward above released its graph); the model's gradient is left as it was.
   */
  private addDiscountCorrection(delta: Tensor, gHat: Tensor, c: number): void {
    const params = this.source.params;
    const kept = params.grad.slice();
    const sPrev = new Var(this.sPrev, true, 'sPrev');
    const { sK } = this.source.forwardAgain!(this.step, sPrev);
    backward([sK], [gHat.scaled(c)]);
    params.grad.set(kept);
    const extra = sPrev.grad!.data;
    for (let i = 0; i < delta.size; i++) delta.data[i] = delta.data[i]! + extra[i]!;
  }

  /** Passes over a step whose loss or gradient was not finite (on_nan = skip): no update, the state restarts from zeros. */
  skipStep(): void {
    this.sPrev = Tensor.zeros(this.sPrev.shape, this.sPrev.dtype);
    this.step += 1;
  }

  /**
   * cDNI: the ids after s_{k−1} ('start') or after s_k ('end') of the current step's
   * chunk; null for a synthesizer that reads s alone.
   */
  idsAt(at: 'start' | 'end'): Int32Array | null {
    const cond = this.synth?.condition;
    return cond ? this.source.conditionIds!(this.step, at, cond.slots) : null;
  }

  /** The elementwise synthesizer's input noise is drawn only while training. */
  private noiseRng(): Rng | null {
    return this.synth?.kind === 'elementwise' ? this.rng : null;
  }

  /** One step of φ on the pair (s_{k−1}, δ_{k−1}) (synth-fit.ts, ridge-fit.ts). */
  private synthesizerStep(sPrevValue: Tensor, delta: Tensor, ids: Int32Array | null): SynthFit {
    const opt = this.synthOpt!;
    if (opt instanceof RidgeFit) return fitSynthesizerRidge(this.synth!, opt, sPrevValue, delta, ids);
    if (opt instanceof AveragedFit) return opt.fit(this.synth!, this.cfg.synthesizer!.lr, sPrevValue, delta, this.noiseRng(), ids);
    return fitSynthesizer(this.synth!, opt, this.cfg.synthesizer!.lr, sPrevValue, delta, this.noiseRng(), ids);
  }
}
