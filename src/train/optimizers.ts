// Optimizers over a flat parameter buffer (docs/algorithm.md §5, torch semantics).
import { allocate, type FloatArray } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { copyInto, type StateDict, type Stateful } from '../models/state.js';
import { backend, type AdamArgs } from '../backends/backend.js';
import type { ParamSet } from '../models/params.js';

/**
 * The state dictionary holds the buffers under torch's names (exp_avg, …) without
 * a prefix: a run has two optimizers, and the checkpoint puts each under its own.
 */
export interface Optimizer extends Stateful {
  /** One update of `params.data` from `params.grad` with learning rate `lr`. */
  step(lr: number): void;
}

/** A flat state buffer as a 1-d tensor (a view: the checkpoint writer copies it). */
const flat = (b: FloatArray): Tensor => new Tensor(b, [b.length]);

/** torch.optim.Adam: coupled L2 weight decay, bias-corrected moments. */
export class Adam implements Optimizer {
  readonly m: FloatArray;
  readonly v: FloatArray;
  t = 0;

  constructor(private readonly params: ParamSet, private readonly beta1 = 0.9, private readonly beta2 = 0.999, private readonly eps = 1e-8, private readonly weightDecay = 0) {
    // where the parameters' backend keeps them: shared memory for threads, the SIMD Adam's memory on one
    this.m = params.allocateState();
    this.v = params.allocateState();
  }

  step(lr: number): void {
    this.t += 1;
    const { data: p, grad: g } = this.params;
    const bc1 = 1 - Math.pow(this.beta1, this.t);
    const sqrtBc2 = Math.sqrt(1 - Math.pow(this.beta2, this.t));
    const args: AdamArgs = { p, g, m: this.m, v: this.v, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, stepSize: lr / bc1, sqrtBc2 };
    backend().adam(args);
  }

  stateDict(): StateDict {
    return { tensors: new Map([['exp_avg', flat(this.m)], ['exp_avg_sq', flat(this.v)]]), meta: { step: this.t } };
  }

  loadStateDict(d: StateDict): void {
    copyInto(flat(this.m), d.tensors.get('exp_avg'), 'exp_avg');
    copyInto(flat(this.v), d.tensors.get('exp_avg_sq'), 'exp_avg_sq');
    this.t = (d.meta?.step as number | undefined) ?? 0;
  }
}

/** torch.optim.SGD: dampening 0, no Nesterov; the momentum buffer starts at the first gradient. */
export class Sgd implements Optimizer {
  readonly buf: FloatArray;
  private started = false;

  constructor(private readonly params: ParamSet, private readonly momentum = 0, private readonly weightDecay = 0) {
    this.buf = allocate(params.dtype, momentum > 0 ? params.size : 0);
  }

  step(lr: number): void {
    const { data: p, grad: g } = this.params;
    const { buf, momentum: mu, weightDecay: wd } = this;
    for (let i = 0; i < p.length; i++) {
      let d = wd !== 0 ? g[i]! + wd * p[i]! : g[i]!;
      if (mu > 0) {
        buf[i] = this.started ? mu * buf[i]! + d : d;
        d = buf[i]!;
      }
      p[i] = p[i]! - lr * d;
    }
    this.started = true;
  }

  stateDict(): StateDict {
    return { tensors: this.momentum > 0 ? new Map([['momentum_buffer', flat(this.buf)]]) : new Map(), meta: { started: this.started ? 1 : 0 } };
  }

  loadStateDict(d: StateDict): void {
    if (this.momentum > 0) copyInto(flat(this.buf), d.tensors.get('momentum_buffer'), 'momentum_buffer');
    this.started = d.meta?.started === 1;
  }
}

/**
 * Global L2 norm of a gradient buffer, summed in float64 into four running sums
 * (elements i mod 4), added at the end: four independent chains of additions run
 * about four times as fast as one, and the order is fixed, so the result is too.
 */
export function globalNorm(g: FloatArray): number {
  const n = g.length, n4 = n - (n % 4);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    const a = g[i]!, b = g[i + 1]!, c = g[i + 2]!, d = g[i + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (let i = n4; i < n; i++) s0 += g[i]! * g[i]!;
  return Math.sqrt(s0 + s1 + (s2 + s3));
}

/**
 * torch.nn.utils.clip_grad_norm_: scales g by clip/(norm + 1e-6) when that is below 1.
 * Returns the norm before clipping (pass it in when already computed).
 */
export function clipGradNorm(g: FloatArray, clip: number | null, norm = globalNorm(g)): number {
  if (clip !== null && clip > 0) {
    const coef = clip / (norm + 1e-6);
    if (coef < 1) for (let i = 0; i < g.length; i++) g[i] = g[i]! * coef;
  }
  return norm;
}
