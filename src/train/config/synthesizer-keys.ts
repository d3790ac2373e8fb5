// The rows of the `synthesizer` section of the key table (keys.ts): the
// synthetic-gradient module, its optimizer, and how it copes with its target
// (docs/algorithm.md §4, §10, §13).
import { showValue } from './errors.js';
import { betas, bool, check, choice, DEFAULT_BETAS, DEFAULT_EPS, hiddenWidths, isNum, leaf, nonNegInt, nonNegNum, posInt, posNum, section, widths, type Applies, type Env } from './table.js';

/** The ridge fit's settings apply only with `fit: "ridge"`. */
const RIDGE_ONLY: Applies = { text: 'fit "ridge"', when: (e: Env) => e.get('synthesizer.fit') === 'ridge', otherwise: 'ignore' };

export const SYNTHESIZER_SECTION = section(true, {
  kind: leaf({
    check: choice(['linear', 'mlp', 'elementwise'] as const), default: 'linear',
    flag: { name: '--synth', syntax: 'str', help: 'use a synthesizer of this kind [linear]' },
    doc: 'a linear map of the LSTM state, an MLP, or one small GRU applied to each state element (elementwise)',
  }),
  scale: leaf({
    check: nonNegNum, default: 0.1,
    flag: { name: '--sg-scale', syntax: 'num', help: 'synthetic-gradient scale lambda [0.1]' },
    doc: 'λ: the synthetic gradient injected at the truncation point is λ·ĝ',
  }),
  lr: leaf({
    check: posNum, default: 1e-3,
    flag: { name: '--sg-lr', syntax: 'num', help: 'synthesizer learning rate [1e-3]' },
    doc: 'the synthesizer\'s learning rate (Adam)',
  }),
  betas: leaf<[number, number]>({ check: betas, default: DEFAULT_BETAS, value: (b) => [b[0], b[1]], doc: 'the synthesizer\'s Adam β1, β2' }),
  eps: leaf({ check: posNum, default: DEFAULT_EPS, doc: 'the synthesizer\'s Adam ε' }),
  weight_decay: leaf({ check: nonNegNum, default: 0, doc: 'the synthesizer\'s L2 weight decay' }),
  hidden: leaf<number | number[], number[]>({
    check: widths(' (the mlp hidden widths)'),
    default: (e) => [2 * hiddenWidths(e).reduce((a, b) => a + b, 0)], defaultText: '[S], S = 2·sum(hidden)',
    value: (h) => (Array.isArray(h) ? [...h] : [h]),
    applies: { text: 'kind "mlp"', when: (e) => e.get('synthesizer.kind') === 'mlp', otherwise: 'ignore' },
    flag: { name: '--synth-hidden', syntax: 'oneOrList', help: 'mlp synthesizer: hidden widths [2*sum(hidden)]' },
    doc: 'the MLP\'s hidden widths',
  }),
  units: leaf({
    check: posInt, default: 50,
    applies: { text: 'kind "elementwise"', when: (e) => e.get('synthesizer.kind') === 'elementwise', otherwise: 'ignore' },
    flag: { name: '--synth-units', syntax: 'int', help: 'elementwise synthesizer: GRU units m [50]' },
    doc: 'm: the units of each GRU',
  }),
  noise: leaf({
    check: nonNegNum, default: 0.5,
    applies: { text: 'kind "elementwise"', when: (e) => e.get('synthesizer.kind') === 'elementwise', otherwise: 'ignore' },
    flag: { name: '--synth-noise', syntax: 'num', help: 'elementwise synthesizer: input noise sigma [0.5]' },
    doc: 'σ of the Gaussian noise added to the synthesizer\'s input in training',
  }),
  train_in_real: leaf({
    check: bool, default: true,
    flag: { name: '--no-train-in-real', syntax: 'no-bool', help: 'do not train the synthesizer in real-gradient mode' },
    doc: 'train the synthesizer in real-gradient steps too',
  }),
  train_at_reset: leaf({
    check: bool, default: false,
    flag: { name: '--train-at-reset', syntax: 'bool', help: 'also train the synthesizer on the pair at a state reset (s = 0) [false]' },
    doc: 'train the synthesizer on the pair (s = 0, δ) of a chunk that starts from a reset state (§4 reads true; '
      + 'no ĝ is ever asked for at a reset state, see docs/algorithm.md §10)',
  }),
  normalize: leaf({
    check: choice(['none', 'popart'] as const), default: 'popart',
    flag: { name: '--sg-normalize', syntax: 'str', help: 'how the synthesizer copes with the target\'s scale: popart (a running scale of δ) or none (§4 exactly) [popart]' },
    doc: 'target scale: `"popart"` fits δ/σ with σ a running RMS of δ, ĝ = σ·M(s), the last layer rescaled when σ moves '
      + '(scale-free); `"none"`: M(s) fits δ itself (§4 exactly)',
  }),
  bound: leaf<number | null>({
    check: check('a number > 0 or null (null: no bound, §4)', (v) => v === null || (isNum(v) && v > 0)),
    default: null,
    applies: { text: 'normalize "popart"', when: (e) => e.get('synthesizer.normalize') === 'popart', otherwise: 'reject',
      why: () => 'synthesizer.bound is a multiple of the target scale σ, which only normalize "popart" keeps; use null or normalize "popart"' },
    flag: { name: '--sg-bound', syntax: 'numOrNone', none: 'none', help: 'bound each batch row of ĝ to this many times the typical target row (κ·σ·√S; "none": no bound, §4) [none]' },
    doc: 'κ: each batch row of ĝ_k (the seed, the bootstrap and the aux target) is scaled down where needed to norm ≤ κ·σ·√S, '
      + 'σ the PopArt target scale (a row of δ/σ has norm about √S); needs normalize `"popart"`; null: ĝ as predicted (§4)',
  }),
  discount: leaf<number | null>({
    check: check('a number >= 0 or null (null: γ = λ, the scale)', (v) => v === null || (isNum(v) && v >= 0)),
    default: null,
    rule(v, e) {
      if (v !== null && !e.isLM && e.get('copy.stream') !== true) {
        throw e.error('synthesizer.discount', `${showValue(v)} is not supported for task "${e.task}" as episodes `
          + '(copy.stream false) yet: a discount γ ≠ λ repeats the chunk\'s forward, which only the stream can do; use null');
      }
    },
    flag: { name: '--sg-discount', syntax: 'numOrNone', none: 'lambda', help: 'discount γ of the bootstrapped target ("lambda": γ = λ) [lambda]' },
    doc: 'γ, the factor on the bootstrapped part of the target δ = ∂L/∂s + γ·Jᵀĝ (null: γ = λ, §4)',
  }),
  fit: leaf({
    check: choice(['adam', 'ridge'] as const), default: 'adam',
    rule(v, e) {
      if (v === 'ridge' && e.get('synthesizer.kind') !== 'linear') {
        throw e.error('synthesizer.fit', `"ridge" fits a linear map, and synthesizer.kind is ${showValue(e.get('synthesizer.kind'))}; use kind "linear" or fit "adam"`);
      }
    },
    flag: { name: '--sg-fit', syntax: 'str', help: 'how the synthesizer is trained: adam (a step on each pair, §4) or ridge (least squares over the recent pairs; linear only) [adam]' },
    doc: 'step 5 of §4: `"adam"` takes an Adam step on each pair (§4 exactly); `"ridge"` sets the linear map to the ridge '
      + 'regression of δ on [s, 1] over the pairs of about the last `memory` steps (docs/algorithm.md §10)',
  }),
  ridge: leaf({
    check: posNum, default: 0.01,
    applies: RIDGE_ONLY,
    flag: { name: '--sg-ridge', syntax: 'num', help: 'ridge fit: the penalty as a fraction of the mean diagonal of the pairs\' XᵀX [0.01]' },
    doc: 'μ: the ridge penalty, as a fraction of the mean diagonal of the decayed XᵀX',
  }),
  memory: leaf({
    check: check('a number >= 1 (steps)', (v) => isNum(v) && v >= 1), default: 1000,
    applies: RIDGE_ONLY,
    flag: { name: '--sg-memory', syntax: 'num', help: 'ridge fit: about how many steps of pairs it holds (decay 1 - 1/memory a step) [1000]' },
    doc: 'the ridge fit\'s memory in steps: each step\'s pairs weigh ρ = 1 − 1/memory times the next step\'s',
  }),
  refit_every: leaf({
    check: posInt, default: 1,
    applies: RIDGE_ONLY,
    flag: { name: '--sg-refit-every', syntax: 'int', help: 'ridge fit: solve for the map every N steps (10: ~3x cheaper at H 256, but on the copy task it loses the DNI effect) [1]' },
    doc: 'the ridge fit solves for the linear map every this many steps (the map is unchanged in between)',
  }),
  average: leaf({
    check: check('0 (off) or a number of steps >= 1', (v) => isNum(v) && (v === 0 || v >= 1)), default: 0,
    rule(v, e) {
      if (v !== 0 && e.get('synthesizer.fit') === 'ridge') {
        throw e.error('synthesizer.average', `${showValue(v)} averages Adam's iterates, and synthesizer.fit is "ridge" (already a mean over its memory); use 0 or fit "adam"`);
      }
    },
    flag: { name: '--sg-average', syntax: 'num', help: 'predict ĝ with the running mean of the synthesizer\'s Adam iterates over about N steps (0: off, §4; measured unstable on tiny Shakespeare, docs/results.md) [0]' },
    doc: 'iterate averaging (fit "adam" only): Adam trains its own copy of the synthesizer\'s weights (§4) and ĝ is predicted with their running mean '
      + 'over about this many steps (a plain mean before that); 0: ĝ from the trained weights (§4 exactly)',
  }),
  condition: leaf({
    check: nonNegInt, default: 0,
    rule(v, e) {
      if (v === 0) return;
      if (!e.isLM) {
        throw e.error('synthesizer.condition', `${showValue(v)} conditions the synthesizer on the next chunk's tokens, which only the language-model tasks (charlm, wordlm) have; use 0`);
      }
      if (e.get('synthesizer.kind') === 'elementwise') {
        throw e.error('synthesizer.condition', `${showValue(v)} needs a linear or mlp synthesizer (kind is "elementwise", whose GRUs see one state coordinate each); use 0 or another kind`);
      }
    },
    flag: { name: '--sg-condition', syntax: 'int', help: 'cDNI: the synthesizer also reads the next input and the next c targets after the cut, one-hot (language models; 0: off, §4) [0]' },
    doc: 'cDNI (§4, "conditioning the synthesizer on the chunk\'s next targets"): with c > 0 the synthesizer\'s input is '
      + '[s, one-hot ids of the c + 1 stream positions after the cut] (the next chunk\'s first input and its first c targets; '
      + 'none past the stream\'s end), so its first layer is [out, S + (c+1)·V]; language-model tasks, linear or mlp; 0: M(s) (§4 exactly)',
  }),
  aux: leaf({
    check: nonNegNum, default: 0,
    flag: { name: '--sg-aux', syntax: 'num', help: 'DNI + Aux: weight of the head that predicts ĝ from every h_t (0: off) [0]' },
    doc: 'DNI + Aux weight (§13): a linear head on the top layer\'s h_t predicts ĝ_k; its mean squared error times this '
      + 'weight is added to the loss; > 0 adds the model parameters `aux.weight`, `aux.bias`',
  }),
}, { doc: 'the synthetic-gradient module; null: none (policy "bptt" only)' });
