// Central finite differences in float64 against the tape's analytic gradients.
import { Tensor } from '../tensor/tensor.js';
import { backward } from './engine.js';
import { noGrad, Var } from './variable.js';

/** How far the tape's gradients are from the finite differences; `ok` when every element is within tolerance. */
export interface GradcheckResult {
  maxAbsError: number;
  maxRelError: number;
  /** Which input and flat index gave the largest relative error. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
  ok: boolean;
}

/** The finite-difference step and the tolerances of gradcheck (defaults: eps 1e-6, atol 1e-6, rtol 1e-4). */
export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed gradient for the output (default: a fixed pseudo-random tensor, so every output element matters). */
  seed?: Tensor;
}

/** A deterministic seed with varied, non-zero entries. */
function defaultSeed(shape: readonly number[]): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = Math.sin(1.7 * i + 0.3) + 0.1;
  return t;
}

/**
 * Checks d⟨seed, f(inputs)⟩/d input against (f(x+ε) − f(x−ε)) / 2ε for every element of
 * every input. Inputs must be float64 Vars; those with requiresGrad are checked.
 */
export function gradcheck(f: (...xs: Var[]) => Var, inputs: Var[], opts: GradcheckOptions = {}): GradcheckResult {
  const seed = opts.seed ?? defaultSeed(noGrad(() => f(...inputs)).shape);
  return gradcheckRoots((...xs) => [f(...xs)], inputs, [seed], opts);
}

/**
 * The multi-root form: the leaf gradients of one `backward(roots, seeds)` against
 * central differences of Σ_k ⟨seed_k, root_k⟩ (DNI's `backward([loss, s], [1, λĝ])`).
 * `f` must rebuild the whole graph from `inputs` (float64 Vars) on every call.
 */
export function gradcheckRoots(f: (...xs: Var[]) => Var[], inputs: Var[], seeds: (Tensor | number)[], opts: Omit<GradcheckOptions, 'seed'> = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-6, rtol = opts.rtol ?? 1e-4;
  for (const v of inputs) if (v.dtype !== 'float64') throw new TypeError(`gradcheck: inputs must be float64, got ${v.toString()}`);
  for (const v of inputs) v.grad = null;
  const roots = f(...inputs);
  if (roots.length !== seeds.length) throw new Error(`gradcheck: ${roots.length} roots but ${seeds.length} seeds`);
  const seedTensors = roots.map((r, k) => {
    const s = seeds[k]!;
    return typeof s === 'number' ? Tensor.full(r.shape, s, 'float64') : s;
  });
  backward(roots, seedTensors);
  const objective = (): number =>
    noGrad(() => {
      let s = 0;
      f(...inputs).forEach((r, k) => {
        const y = r.value.data, w = seedTensors[k]!.data;
        for (let i = 0; i < y.length; i++) s += w[i]! * y[i]!;
      });
      return s;
    });
  let maxAbs = 0, maxRel = 0, ok = true;
  let worst: GradcheckResult['worst'] = null;
  inputs.forEach((v, k) => {
    if (!v.requiresGrad) return;
    const x = v.value.data;
    for (let i = 0; i < x.length; i++) {
      const x0 = x[i]!;
      x[i] = x0 + eps;
      const plus = objective();
      x[i] = x0 - eps;
      const minus = objective();
      x[i] = x0;
      const numeric = (plus - minus) / (2 * eps);
      const analytic = v.grad ? v.grad.data[i]! : 0;
      const abs = Math.abs(analytic - numeric);
      const rel = abs / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-12);
      if (!(abs <= atol + rtol * Math.abs(numeric))) ok = false;
      if (abs > maxAbs || Number.isNaN(abs)) maxAbs = Number.isNaN(abs) ? NaN : abs;
      if (rel > maxRel || worst === null) {
        maxRel = Math.max(maxRel, rel);
        worst = { input: k, index: i, analytic, numeric };
      }
    }
  });
  return { maxAbsError: maxAbs, maxRelError: maxRel, worst, ok };
}
