// "Step once" in the lab: one RunLoop step with the trainer's observer set, so
// that each stage of docs/algorithm.md §4 is seen with the norms of the tensors
// it involves. The observer copies what it keeps and changes nothing.
import type { Tensor } from '../tensor/tensor.js';
import { globalNorm } from '../train/optimizers.js';
import type { RunLoop } from '../train/run-loop.js';
import type { FromWorker, HeatMap, StageView } from './protocol.js';

/** Batch rows and state coordinates shown in the heat maps. */
const HEAT_ROWS = 4, HEAT_COLS = 24;

function heat(t: Tensor): HeatMap {
  const [B, S] = t.shape as [number, number];
  const rows = Math.min(B, HEAT_ROWS), cols = Math.min(S, HEAT_COLS);
  const data = new Float32Array(rows * cols);
  for (let b = 0; b < rows; b++) for (let j = 0; j < cols; j++) data[b * cols + j] = t.data[b * S + j]!;
  return { rows, cols, data };
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** One step, reported stage by stage; null when the step was skipped or ended the run (non-finite). */
export function stepStages(loop: RunLoop): Extract<FromWorker, { type: 'stages' }> | null {
  const t = loop.trainer, params = t.source.params, synth = t.synth;
  const lambda = loop.setup.cfg.synthesizer?.scale ?? 0;
  const stages: StageView[] = [];
  let ghat: HeatMap | null = null, delta: HeatMap | null = null, mode = 'real';
  let theta0: Float32Array | null = null, phi0: Float32Array | null = null;
  t.observer = (stage, v) => {
    if (stage === 'backward') {
      mode = v.mode;
      theta0 = Float32Array.from(params.data);
      phi0 = synth ? Float32Array.from(synth.params.data) : null;
      const gHatNorm = v.gHat ? globalNorm(v.gHat.data) : null;
      stages.push(
        { item: 1, title: 'forward from s_{k−1} to L_k and s_k', values: [['L_k', v.loss], ['‖s_{k−1}‖', globalNorm(v.sPrev.data)], ['‖s_k‖', globalNorm(v.sK.data)]] },
        { item: 2, title: 'ĝ_k = M_φ(s_k), a constant', values: [['‖ĝ_k‖', gHatNorm], ['‖λ·ĝ_k‖', gHatNorm === null ? null : lambda * gHatNorm]] },
        { item: 3, title: 'one backward with two seeds: 1 on L_k, λ·ĝ_k on s_k', values: [['‖∇θ‖', v.gradNorm]] },
        { item: 4, title: 'δ_{k−1} = ∂L_k/∂s_{k−1} + (∂s_k/∂s_{k−1})ᵀ λ ĝ_k', values: [['‖δ_{k−1}‖', globalNorm(v.delta.data)]] },
      );
      ghat = v.gHat ? heat(v.gHat) : null;
      delta = heat(v.delta);
    } else if (stage === 'synthesizer') {
      stages.push({
        item: 5, title: 'the synthesizer\'s step on (s_{k−1}, δ_{k−1})',
        values: [['ℓ_SG', v.sgLoss], ['‖Δφ‖', phi0 && synth ? distance(synth.params.data, phi0) : null]],
      });
    } else if (stage === 'clip') {
      stages.push({ item: 6, title: 'clip the gradient', values: [['‖∇θ‖ before', v.gradNorm], ['‖∇θ‖ after', globalNorm(params.grad)], ['clip', loop.setup.cfg.clip]] });
    } else {
      stages.push({ item: 6, title: 'the model\'s step', values: [['lr', v.lr], ['‖Δθ‖', theta0 ? distance(params.data, theta0) : null]] });
    }
  };
  const step = t.step;
  try {
    loop.step();
  } finally {
    t.observer = null;
  }
  if (!delta) return null;
  return { type: 'stages', step, mode, stages, ghat, delta, lambda };
}
