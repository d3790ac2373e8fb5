// Step 5 of docs/algorithm.md §4 by least squares instead of Adam (`synthesizer.fit:
// "ridge"`, linear synthesizer only; docs/algorithm.md §10, "A least-squares synthesizer").
//
// Adam moves every weight by about its lr whatever the noise, so on a target whose
// predictable part is small beside its noise (a language model's δ) the synthesizer
// tracks the last few pairs instead of averaging many. This fit keeps the sufficient
// statistics of every pair seen, each step's weighted ρ = 1 − 1/memory times the
// step's after it, and every `refit_every` steps sets the linear map to the ridge
// regression of δ on [s, 1] over them:
//   A = Σ_k ρ^(K−k) X_kᵀX_k,  C = Σ_k ρ^(K−k) X_kᵀY_k,   X_k = [s_{k−1}, 1] (B rows), Y_k = δ_{k−1}
// (a conditioned synthesizer's X_k is its whole input, [s_{k−1}, one-hot ids, 1])
//   [Wᵀ; bᵀ] = (A + μ·mean(diag A)·I)⁻¹ C
// (μ = `ridge`; the bias is penalised like the weights). Scale-free by construction:
// multiplying every δ by c multiplies W and b by c.
import { backend } from '../backends/backend.js';
import type { FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { noGrad, Var } from '../autograd/variable.js';
import { copyInto, type StateDict, type Stateful } from '../models/state.js';
import { conditionedInput, type Synthesizer } from '../models/synthesizers.js';
import { cosine, type SynthFit } from './synth-fit.js';
import { solveSpd } from '../backends/cpu/cholesky-solve.js';

/** The ridge fit's settings (the `synthesizer` keys `ridge`, `memory`, `refit_every`). */
export interface RidgeSettings {
  /** μ: the penalty as a fraction of the mean diagonal of A. */
  ridge: number;
  /** 1/(1 − ρ): about how many steps of pairs the statistics hold. */
  memory: number;
  /** Solve every this many steps (the linear map is unchanged in between). */
  refitEvery: number;
}

/** The decayed sufficient statistics of the regression of δ on [x, 1] (x = s, or s and the cDNI ids), and the solve. */
export class RidgeFit implements Stateful {
  /** A = Σ ρ^(K−k) XᵀX, [F, F] with F = the input width + 1 (float64). */
  readonly xtx: Float64Array;
  /** C = Σ ρ^(K−k) XᵀY, [F, S] (float64). */
  readonly xty: Float64Array;
  /** Steps taken in. */
  steps = 0;
  private readonly F: number;
  private readonly rho: number;
  // float32 scratch: X = [x, 1] and the step's products, which the backend computes
  private x = new Float32Array(0);
  private readonly p: Float32Array;
  private readonly q: Float32Array;

  /** S: the width of δ; `input`: the width of the synthesizer's input (S unless conditioned). */
  constructor(readonly S: number, readonly settings: RidgeSettings, readonly input = S) {
    if (!(settings.memory >= 1)) throw new RangeError(`ridge fit: memory must be >= 1 step (got ${settings.memory})`);
    this.F = input + 1;
    this.rho = 1 - 1 / settings.memory;
    this.xtx = new Float64Array(this.F * this.F);
    this.xty = new Float64Array(this.F * S);
    this.p = new Float32Array(this.F * this.F);
    this.q = new Float32Array(this.F * S);
  }

  /** Takes in the pairs of one step: inputs s [B, input], targets y [B, S] (row-major). */
  add(s: FloatArray, y: FloatArray, B: number): void {
    const { S, F, input, rho, xtx, xty, p, q } = this;
    if (this.x.length < B * F) this.x = new Float32Array(B * F);
    const x = this.x;
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < input; i++) x[b * F + i] = s[b * input + i]!;
      x[b * F + input] = 1;
    }
    const y32 = y instanceof Float32Array ? y : Float32Array.from(y);
    backend().matmul(x, x, p, F, B, F, true, false, false); // XᵀX
    backend().matmul(x, y32, q, F, B, S, true, false, false); // XᵀY
    for (let i = 0; i < xtx.length; i++) xtx[i] = rho * xtx[i]! + p[i]!;
    for (let i = 0; i < xty.length; i++) xty[i] = rho * xty[i]! + q[i]!;
    this.steps += 1;
  }

  /** Whether the step just taken in is one after which the map is solved again. */
  due(): boolean {
    return this.steps > 0 && this.steps % this.settings.refitEvery === 0;
  }

  /**
   * The ridge solution [F, S] (rows 0..F−2: Wᵀ, row F−1: bᵀ), or null while A is zero.
   * Cholesky of A + μ·mean(diag A)·I, then the two triangular solves, in float64.
   */
  solve(): Float64Array | null {
    const { F, S } = this;
    let trace = 0;
    for (let i = 0; i < F; i++) trace += this.xtx[i * F + i]!;
    if (!(trace > 0) || !Number.isFinite(trace)) return null;
    const L = this.xtx.slice();
    const penalty = this.settings.ridge * (trace / F);
    for (let i = 0; i < F; i++) L[i * F + i] = L[i * F + i]! + penalty;
    const Z = this.xty.slice();
    solveSpd(L, Z, F, S);
    return Z;
  }

  stateDict(): StateDict {
    return {
      tensors: new Map([['ridge_xtx', new Tensor(this.xtx, [this.F, this.F])], ['ridge_xty', new Tensor(this.xty, [this.F, this.S])]]),
      meta: { steps: this.steps },
    };
  }

  loadStateDict(d: StateDict): void {
    copyInto(new Tensor(this.xtx, [this.F, this.F]), d.tensors.get('ridge_xtx'), 'ridge_xtx');
    copyInto(new Tensor(this.xty, [this.F, this.S]), d.tensors.get('ridge_xty'), 'ridge_xty');
    this.steps = (d.meta?.steps as number | undefined) ?? 0;
  }
}

/**
 * Step 5 by least squares: the pair (s_{k−1}, δ_{k−1}) joins the statistics, and on a
 * refit step the linear synthesizer's weight and bias become the ridge solution (in
 * the network's units: divided by σ when a target scale is kept). The loss and
 * cosine reported are the prediction's before the update, as with Adam.
 */
export function fitSynthesizerRidge(synth: Synthesizer, fit: RidgeFit, sPrev: Tensor, delta: Tensor, ids: Int32Array | null = null): SynthFit {
  if (synth.kind !== 'linear') throw new Error(`synthesizer.fit "ridge" needs the linear synthesizer (got kind "${synth.kind}")`);
  const norm = synth.normalizer;
  if (norm) synth.rescaleOutput(norm.update(delta.data));
  const sigma = norm ? norm.sigma : 1;
  const B = sPrev.shape[0]!, S = fit.S, I = fit.input;
  const out = noGrad(() => synth.predict(new Var(sPrev), 'previous', null, ids).value.data);
  // the prediction in δ's units before the update: σ·M(s)
  const pred = new Float64Array(B * S);
  let loss = 0;
  for (let i = 0; i < pred.length; i++) {
    pred[i] = sigma * out[i]!;
    const e = pred[i]! - delta.data[i]!;
    loss += e * e;
  }
  const cos = cosine(pred, delta.data);
  const cond = synth.condition;
  fit.add(cond && ids ? conditionedInput(sPrev, ids, cond).data : sPrev.data, delta.data, B);
  if (fit.due()) {
    const z = fit.solve();
    if (z) {
      const weight = synth.params.get('synthesizer.weight').value.data, bias = synth.params.get('synthesizer.bias').value.data;
      for (let o = 0; o < S; o++) {
        for (let i = 0; i < I; i++) weight[o * I + i] = z[i * S + o]! / sigma;
        bias[o] = z[I * S + o]! / sigma;
      }
    }
  }
  return { loss: loss / B, cos };
}
