// ĝ measured against the true future gradient (docs/algorithm.md §11). After a
// step k, with every parameter frozen, a look-ahead runs the next H chunks the
// run will really see from the carried state s_k and sums their losses,
//   F = Σ_{j=1..H} γ^{j−1} L_{k+j},
// so that one backward gives g = ∂F/∂s_k, the truncated quantity that ĝ_k = M_φ(s_k)
// estimates (§10). The look-ahead consumes data and random numbers exactly as
// the run would, so everything it touches is saved before and restored after:
// the data source's position, the run's RNG and the model's gradient buffer.
// The synthesizer is only read (no noise, no advance, no normalizer update).
import { backward } from '../autograd/engine.js';
import * as ag from '../autograd/index.js';
import { noGrad, Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import { synthOutputToTarget } from '../models/synthesizers.js';
import type { StateDict, Stateful } from '../models/state.js';
import { cosine } from './synth-fit.js';
import type { ChunkSource, Trainer } from './trainer.js';
import type { RunConfig } from './config.js';

/** The trainer's data source (the look-ahead saves and restores its position). */
export type DiagnosableSource = ChunkSource & Stateful;

export interface TrueGradientReading {
  /** cos(ĝ_k, g) over the whole batch flattened; null when either is zero or no chunk follows. */
  sg_true_cos: number | null;
  /** ‖ĝ_k − g‖ / ‖g‖; null when g is zero or no chunk follows. */
  sg_true_rel_err: number | null;
}

/** Whether the step just completed (0-based `step`) is one that `diagnostics.every` measures after. */
export function diagnosisDue(cfg: RunConfig, step: number): boolean {
  const n = cfg.diagnostics.every;
  return !!n && (step + 1) % n === 0;
}

/**
 * The reading after the trainer's last completed step (trainer.step steps done).
 * Leaves the run exactly as it found it. Null fields when the run has no
 * synthesizer or when the next chunk starts from a reset state.
 */
export function measureTrueGradient(trainer: Trainer, source: DiagnosableSource): TrueGradientReading {
  const none = { sg_true_cos: null, sg_true_rel_err: null };
  const synth = trainer.synth;
  if (!synth) return none;
  const g = trueFutureGradient(trainer, source);
  if (!g) return none;
  // ĝ_k in δ's units, as the next step's synthesizer fit reads it ('previous': its state before s_k was taken in)
  const gHat = noGrad(() => synthOutputToTarget(synth, synth.predict(new Var(trainer.sPrev), 'previous', null, trainer.idsAt('start')).value));
  return compareGradients(gHat.data, g.data);
}

/** cos(ĝ, g) and ‖ĝ − g‖/‖g‖ in float64. */
export function compareGradients(gHat: ArrayLike<number>, g: ArrayLike<number>): TrueGradientReading {
  let gg = 0, dd = 0;
  for (let i = 0; i < g.length; i++) {
    const d = gHat[i]! - g[i]!;
    gg += g[i]! * g[i]!;
    dd += d * d;
  }
  return { sg_true_cos: cosine(gHat, g), sg_true_rel_err: gg > 0 ? Math.sqrt(dd / gg) : null };
}

/**
 * g = ∂F/∂s_k over the next H chunks from trainer.sPrev (null when the next chunk
 * starts from a reset state: nothing follows s_k). The run is restored afterwards.
 */
export function trueFutureGradient(trainer: Trainer, source: DiagnosableSource): Tensor | null {
  const cfg = trainer.cfg, params = source.params;
  const k1 = trainer.step;
  const first = source.position(k1);
  if (first.resetState ?? first.chunk === 0) return null;
  const gamma = cfg.synthesizer ? cfg.synthesizer.discount ?? cfg.synthesizer.scale : 1;
  const saved = { source: copyStateDict(source.stateDict()), rng: trainer.rng.getState(), grad: params.grad.slice() };
  try {
    const s0 = new Var(trainer.sPrev, true, 'sK');
    let s = s0, F: Var | null = null, weight = 1;
    for (let j = 0; j < cfg.diagnostics.horizon; j++) {
      const pos = source.position(k1 + j);
      if (j > 0 && (pos.resetState ?? pos.chunk === 0)) break;
      const { loss, sK, terminal } = source.forward(k1 + j, s);
      if (loss) {
        const term = weight === 1 ? loss : ag.scale(loss, weight);
        F = F ? ag.add(F, term) : term;
      }
      if (terminal) break;
      s = sK;
      weight *= gamma;
    }
    if (F) backward([F]);
    return s0.grad ?? Tensor.zeros(trainer.sPrev.shape, trainer.sPrev.dtype);
  } finally {
    source.loadStateDict(saved.source);
    trainer.rng.setState(saved.rng);
    params.grad.set(saved.grad);
  }
}

/** A copy that no later change of the live state reaches (stateDict hands out views). */
function copyStateDict(d: StateDict): StateDict {
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of d.tensors) tensors.set(name, t.clone());
  return { tensors, meta: d.meta === null ? null : structuredClone(d.meta) };
}
