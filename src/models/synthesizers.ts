// Synthetic-gradient predictors M_φ : R^S → R^S (docs/algorithm.md §4).
// Names follow PyTorch modules so --init and checkpoints speak state_dict.
import * as ag from '../autograd/index.js';
import { noGrad, Var } from '../autograd/variable.js';
import { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { ParamSet, type ParamSpec } from './params.js';
import { TARGET_SCALE_STATE, TargetNormalizer, type NormalizeKind } from './target-normalizer.js';

/** The built-in synthesizers (docs/algorithm.md §4). */
export type SynthKind = 'linear' | 'mlp' | 'elementwise';

/** Which built-in synthesizer to build, and its sizes (the `synthesizer` keys of a run configuration). */
export interface SynthOptions {
  kind: SynthKind;
  /** mlp: widths of the hidden ReLU layers */
  hidden: number[];
  /** elementwise: GRU units m */
  units: number;
  /** elementwise: σ of the multiplicative input noise N(1, σ²) */
  noise: number;
  /** how the synthesizer copes with the target's scale (target-normalizer.ts); absent = 'none' */
  normalize?: NormalizeKind;
  /** cDNI: the number c of targets after the cut whose ids the synthesizer also sees (0 or absent: M(s), §4) */
  condition?: number;
}

/**
 * What a conditioned synthesizer (cDNI) sees besides s: the ids of the `slots` stream
 * positions after the cut, one-hot over `vocab` (slots = c + 1: the next input and c targets).
 */
export interface SynthCondition {
  slots: number;
  vocab: number;
}

/** What `synthesizer.condition` = c gives a synthesizer to read over a vocabulary of V: c + 1 slots (none for c = 0). */
export function synthCondition(c: number, vocab: number): SynthCondition | undefined {
  return c > 0 ? { slots: c + 1, vocab } : undefined;
}

/** The width of a synthesizer's input for states of width S: S, plus the one-hot ids of a conditioned one. */
export function synthInputWidth(S: number, cond?: SynthCondition): number {
  return S + (cond ? cond.slots * cond.vocab : 0);
}

/** The ids [rows·slots] (row-major; −1 where no position follows: a zero block) one-hot, [rows, slots·V]. */
export function oneHotIds(ids: Int32Array, rows: number, cond: SynthCondition, dtype: DType): Tensor {
  const { slots, vocab } = cond, W = slots * vocab;
  if (ids.length !== rows * slots) throw new RangeError(`conditioned synthesizer: ${ids.length} ids for ${rows} rows of ${slots} positions`);
  const x = Tensor.zeros([rows, W], dtype);
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < slots; j++) {
      const id = ids[b * slots + j]!;
      if (id >= vocab) throw new RangeError(`conditioned synthesizer: id ${id} is outside the vocabulary of ${vocab}`);
      if (id >= 0) x.data[b * W + j * vocab + id] = 1;
    }
  }
  return x;
}

/** [s, one-hot ids] [B, S + slots·V]: what a conditioned synthesizer's first layer reads. */
export function conditionedInput(s: Tensor, ids: Int32Array, cond: SynthCondition): Tensor {
  return noGrad(() => ag.concat([new Var(s), new Var(oneHotIds(ids, s.shape[0]!, cond, s.dtype))]).value);
}

/** Which persistent state a prediction reads (only the elementwise kind has one). */
export type SynthCall = 'next' | 'previous';

/**
 * A synthetic-gradient predictor M_φ : R^S → R^S (docs/algorithm.md §4). The
 * Trainer calls only these members, so a synthesizer of one's own plugs in by
 * implementing them (examples/03-custom-synthesizer.ts); its parameters get
 * the trainer's synthesizer optimizer.
 */
export interface Synthesizer {
  /** The built-in kinds are SynthKind; a synthesizer of one's own names itself (only 'elementwise' gets training noise). */
  readonly kind: string;
  readonly params: ParamSet;
  /** The target's running scale σ (null: the network predicts δ itself, §4). */
  readonly normalizer: TargetNormalizer | null;
  /** cDNI: the ids the synthesizer also reads (absent: it reads s alone, §4). */
  readonly condition?: SynthCondition;
  /**
   * The network's output M_φ(s) for s [B,S]: ĝ itself without a normalizer, ĝ/σ with one. `call` says whether s is the new s_k (ĝ_k) or the
   * incoming s_{k−1} (the prediction trained against δ_{k−1}); `rng` draws the
   * elementwise kind's training noise (null: no noise); `ids` are the positions
   * after s for a conditioned synthesizer (conditionedInput).
   */
  predict(s: Var, call: SynthCall, rng: Rng | null, ids?: Int32Array | null): Var;
  /** Moves the persistent state past s_k at the end of a step (no-op when stateless). */
  advance(sK: Tensor): void;
  /** Zeroes the persistent state (start of an epoch). */
  resetState(batch: number): void;
  /** Multiplies the last layer's weight and bias by f (keeps σ·M_φ when σ changes). */
  rescaleOutput(f: number): void;
  /** The persistent state, for a checkpoint (empty when stateless), the normalizer's included. */
  stateTensors(): Map<string, Tensor>;
  loadState(tensors: Map<string, Tensor>): void;
}

/** ĝ = σ·M_φ(s) in the target's own units (out itself without a normalizer). */
export function synthOutputToTarget(synth: Synthesizer, out: Tensor): Tensor {
  const sigma = synth.normalizer?.sigma;
  return sigma === undefined ? out : out.scaled(sigma);
}

/**
 * The rows of a normalised output M_φ(s) [B,S], each scaled down where needed to
 * norm ≤ κ·√S (`synthesizer.bound`). A row of the normalised target δ/σ has norm
 * about √S, so a prediction many times larger has no pair behind it, and fed back
 * to the model as a seed it lets the model grow its state along it
 * (docs/results.md, "A bound on the synthetic gradient"). Norms in float64; a new tensor,
 * and how many rows were scaled (`sg_bound_frac` in the records: is the bound acting?).
 */
export function boundRows(out: Tensor, kappa: number): { bounded: Tensor; rows: number } {
  const [B, S] = [out.shape[0]!, out.shape[1]!];
  const limit = kappa * Math.sqrt(S);
  const g = out.clone(), d = g.data;
  let rows = 0;
  for (let b = 0; b < B; b++) {
    let sq = 0;
    for (let j = b * S; j < (b + 1) * S; j++) sq += d[j]! * d[j]!;
    const norm = Math.sqrt(sq);
    if (!(norm > limit)) continue;
    rows += 1;
    const f = limit / norm;
    for (let j = b * S; j < (b + 1) * S; j++) d[j] = f * d[j]!;
  }
  return { bounded: g, rows };
}

function rescale(params: ParamSet, names: string[], f: number): void {
  if (f === 1) return;
  for (const name of names) {
    const d = params.get(name).value.data;
    for (let i = 0; i < d.length; i++) d[i] = f * d[i]!;
  }
}

function withNormalizerState(normalizer: TargetNormalizer | null, own: [string, Tensor][]): Map<string, Tensor> {
  const m = new Map(own);
  if (normalizer) m.set(TARGET_SCALE_STATE, normalizer.stateTensor());
  return m;
}

function loadNormalizerState(normalizer: TargetNormalizer | null, tensors: Map<string, Tensor>): void {
  if (!normalizer) return;
  const t = tensors.get(TARGET_SCALE_STATE);
  if (!t) throw new Error(`checkpoint lacks the synthesizer's target scale (${TARGET_SCALE_STATE}); a run started before "synthesizer.normalize" existed resumes with "normalize": "none" and "train_at_reset": true added to the synthesizer section of its config.json`);
  normalizer.loadState(t);
}

/** Initialises weights U(−r, r), then zeroes the last layer so the first ĝ are zero and training starts as BPTT. */
function initSynth(params: ParamSet, rng: Rng, r: number, zeroed: string[]): void {
  params.initUniform(rng, r);
  for (const name of zeroed) params.get(name).value.data.fill(0);
}

class FeedForwardSynth implements Synthesizer {
  readonly params: ParamSet;
  private readonly layers: number;

  constructor(readonly kind: 'linear' | 'mlp', S: number, hidden: number[], dtype: DType, readonly normalizer: TargetNormalizer | null,
    readonly condition?: SynthCondition) {
    // a conditioned synthesizer is the same network on the wider input [s, one-hot ids]
    const input = synthInputWidth(S, condition);
    const widths = kind === 'linear' ? [input, S] : [input, ...hidden, S];
    this.layers = widths.length - 1;
    const specs: ParamSpec[] = [];
    for (let i = 0; i < this.layers; i++) {
      const prefix = kind === 'linear' ? 'synthesizer' : `synthesizer.${2 * i}`; // nn.Sequential: Linear at even indices, ReLU between
      specs.push({ name: `${prefix}.weight`, shape: [widths[i + 1]!, widths[i]!] }, { name: `${prefix}.bias`, shape: [widths[i + 1]!] });
    }
    this.params = new ParamSet(specs, dtype);
  }

  private prefix(i: number): string {
    return this.kind === 'linear' ? 'synthesizer' : `synthesizer.${2 * i}`;
  }

  init(rng: Rng, r: number): void {
    const last = this.prefix(this.layers - 1);
    initSynth(this.params, rng, r, [`${last}.weight`, `${last}.bias`]);
  }

  predict(s: Var, _call?: SynthCall, _rng?: Rng | null, ids?: Int32Array | null): Var {
    let x = s;
    if (this.condition) {
      if (!ids) throw new Error('this synthesizer is conditioned on the ids after the cut (synthesizer.condition) and was called without them');
      x = ag.concat([s, new Var(oneHotIds(ids, s.shape[0]!, this.condition, s.dtype))]);
    }
    for (let i = 0; i < this.layers; i++) {
      const p = this.prefix(i);
      x = ag.linear(x, this.params.get(`${p}.weight`), this.params.get(`${p}.bias`));
      if (i < this.layers - 1) x = ag.relu(x);
    }
    return x;
  }

  rescaleOutput(f: number): void {
    const last = this.prefix(this.layers - 1);
    rescale(this.params, [`${last}.weight`, `${last}.bias`], f);
  }

  advance(): void {}
  resetState(): void {}
  stateTensors(): Map<string, Tensor> {
    return withNormalizerState(this.normalizer, []);
  }
  loadState(tensors: Map<string, Tensor>): void {
    loadNormalizerState(this.normalizer, tensors);
  }
}

/**
 * The Shang & Zhang variant: each coordinate of s is its own sequence through
 * Linear(1→m), a GRU with m units whose state persists across calls, and
 * Linear(m→1). `hPrev` is the state before s_{k−1}, `hCur` the state before s_k.
 */
class ElementwiseSynth implements Synthesizer {
  readonly kind = 'elementwise' as const;
  readonly params: ParamSet;
  private hPrev: Tensor;
  private hCur: Tensor;

  constructor(private readonly S: number, private readonly m: number, private readonly noise: number, dtype: DType,
    readonly normalizer: TargetNormalizer | null) {
    this.params = new ParamSet(
      [
        { name: 'synthesizer.inp.weight', shape: [m, 1] },
        { name: 'synthesizer.inp.bias', shape: [m] },
        { name: 'synthesizer.gru.weight_ih', shape: [3 * m, m] },
        { name: 'synthesizer.gru.weight_hh', shape: [3 * m, m] },
        { name: 'synthesizer.gru.bias_ih', shape: [3 * m] },
        { name: 'synthesizer.gru.bias_hh', shape: [3 * m] },
        { name: 'synthesizer.out.weight', shape: [1, m] },
        { name: 'synthesizer.out.bias', shape: [1] },
      ],
      dtype,
    );
    this.hPrev = Tensor.zeros([0, m], dtype);
    this.hCur = Tensor.zeros([0, m], dtype);
  }

  init(rng: Rng, r: number): void {
    initSynth(this.params, rng, r, ['synthesizer.out.weight', 'synthesizer.out.bias']);
  }

  private run(s: Var, h: Tensor, rng: Rng | null): { out: Var; hNext: Var } {
    const B = s.shape[0]!;
    let x = ag.reshape(s, [B * this.S, 1]);
    if (rng && this.noise > 0) {
      const n = Tensor.zeros(x.shape, x.dtype);
      for (let i = 0; i < n.size; i++) n.data[i] = rng.normal(1, this.noise);
      x = ag.mul(x, new Var(n));
    }
    const p = this.params;
    const u = ag.linear(x, p.get('synthesizer.inp.weight'), p.get('synthesizer.inp.bias'));
    const state = h.shape[0] === B * this.S ? h : Tensor.zeros([B * this.S, this.m], s.dtype);
    const hNext = ag.gruCell(u, new Var(state), {
      wih: p.get('synthesizer.gru.weight_ih'),
      whh: p.get('synthesizer.gru.weight_hh'),
      bih: p.get('synthesizer.gru.bias_ih'),
      bhh: p.get('synthesizer.gru.bias_hh'),
    });
    const y = ag.linear(hNext, p.get('synthesizer.out.weight'), p.get('synthesizer.out.bias'));
    return { out: ag.reshape(y, [B, this.S]), hNext };
  }

  predict(s: Var, call: SynthCall, rng: Rng | null): Var {
    return this.run(s, call === 'next' ? this.hCur : this.hPrev, rng).out;
  }

  advance(sK: Tensor): void {
    const next = noGrad(() => this.run(new Var(sK), this.hCur, null).hNext.value);
    this.hPrev = this.hCur;
    this.hCur = next;
  }

  resetState(batch: number): void {
    this.hPrev = Tensor.zeros([batch * this.S, this.m], this.params.dtype);
    this.hCur = Tensor.zeros([batch * this.S, this.m], this.params.dtype);
  }

  rescaleOutput(f: number): void {
    rescale(this.params, ['synthesizer.out.weight', 'synthesizer.out.bias'], f);
  }

  stateTensors(): Map<string, Tensor> {
    return withNormalizerState(this.normalizer, [
      ['synth_state.h_prev', this.hPrev],
      ['synth_state.h_cur', this.hCur],
    ]);
  }

  loadState(tensors: Map<string, Tensor>): void {
    const a = tensors.get('synth_state.h_prev'), b = tensors.get('synth_state.h_cur');
    if (!a || !b) throw new Error('checkpoint lacks the elementwise synthesizer state (synth_state.h_prev, synth_state.h_cur)');
    this.hPrev = a;
    this.hCur = b;
    loadNormalizerState(this.normalizer, tensors);
  }
}

/**
 * A built-in synthesizer for states of width S, initialised U(−r, r) with its last layer zero (so ĝ = 0 at first).
 * `vocab`: the token vocabulary, which a conditioned synthesizer (opts.condition > 0) one-hot encodes.
 */
export function createSynthesizer(opts: SynthOptions, S: number, rng: Rng, initRange: number, dtype: DType = 'float32', vocab = 0): Synthesizer {
  const normalizer = opts.normalize === 'popart' ? new TargetNormalizer() : null;
  const c = opts.condition ?? 0;
  if (c > 0 && opts.kind === 'elementwise') throw new Error('synthesizer.condition needs a linear or mlp synthesizer, not "elementwise"');
  if (c > 0 && !(vocab > 0)) throw new Error('synthesizer.condition needs a task with a token vocabulary (charlm, wordlm)');
  if (opts.kind === 'elementwise') {
    const s = new ElementwiseSynth(S, opts.units, opts.noise, dtype, normalizer);
    s.init(rng, initRange);
    return s;
  }
  const s = new FeedForwardSynth(opts.kind, S, opts.hidden, dtype, normalizer, synthCondition(c, vocab));
  s.init(rng, initRange);
  return s;
}
