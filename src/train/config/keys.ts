// The configuration key table: one row per key of a run configuration, in the
// order of config.json. Validation, defaults, config.json, the options of
// `synthgrad train` with their help, the types below and the key section of
// docs/config.md all come from these rows; adding a key is one row here plus
// the code that uses it.

import { showValue } from './errors.js';
import {
  betas, bool, check, choice, DEFAULT_BETAS, DEFAULT_EPS, hiddenWidths, isNum, isPosInt, leaf, nonNegInt, nonNegNum, pathOrNull, posInt, posIntOrNull,
  posNum, section, TASKS, widths, type ConfigOf, type Env, type Task,
} from './table.js';
import { SYNTHESIZER_SECTION } from './synthesizer-keys.js';

const MAX_SEED = 2 ** 32;
const MAX_LAYERS = 1000;

/**
 * The model and chunk sizes a run takes when none is given. Language models:
 * the best validation loss for the same CPU time among the candidates in
 * docs/config.md ("How the defaults were chosen"), as are the lr and clip
 * defaults. Copy tasks: the width and batch of `synthgrad demo`, and a short
 * truncation, where synthetic gradients have something to bridge.
 */
export const SIZE_DEFAULTS = {
  lm: { hidden: 128, embed: 64, batch: 32, bptt: 64 },
  copy: { hidden: 64, batch: 16, bptt: 8 },
} as const;
/** The run's length when neither `steps` nor `epochs` is given (the copy tasks' episodes are short). */
const LM_EPOCHS = 1, COPY_STEPS = 3000;
const isGiven = (v: unknown) => v !== undefined && v !== null;
const sizes = (e: Env) => (e.isLM ? SIZE_DEFAULTS.lm : SIZE_DEFAULTS.copy);
const LM = SIZE_DEFAULTS.lm, COPY = SIZE_DEFAULTS.copy;

/** The LSTM widths, one per layer, from `hidden` and `layers` (raw or resolved). */

const lmOnly = (why: (env: Env) => string) => ({
  text: 'charlm, wordlm', when: (e: Env) => e.isLM, otherwise: 'reject' as const, why,
});
const copyOnly = {
  text: 'copy, repeat-copy', when: (e: Env) => !e.isLM, otherwise: 'reject' as const,
  why: () => 'the copy settings apply to tasks "copy" and "repeat-copy" only',
};

/** Copy-task defaults: repeat-copy goes up to 10 repeats, copy has one. */
export function copyDefaults(task: Task): { width: number; min_length: number; max_length: number;
  repeats_max: number; threshold: number; sequences: number; stream: boolean; } {
  return {
    width: 8, min_length: 1, max_length: 20, repeats_max: task === 'repeat-copy' ? 10 : 1,
    threshold: 0.15, sequences: 100, stream: true,
  };
}

const path = {
  value: (p: string | null, e: Env) => (p === null ? null : e.resolvePath(p)),
  json: (p: string | null, w: { rel(p: string): string }) => (p === null ? null : w.rel(p)),
};

export const KEYS = {
  task: leaf({
    check: choice(TASKS as readonly Task[]), default: 'charlm',
    flag: { name: '--task', syntax: 'str', help: 'the task [charlm]' },
    doc: 'the task: character or word language model, copy or repeat-copy',
  }),
  data: leaf<string | null>({
    check: pathOrNull, default: null, ...path,
    defaultText: 'charlm: the built-in corpus data/tinyshakespeare.txt (given by `synthgrad train`, which then also holds ' +
      'out 5% + 5% unless `split` is given); required for wordlm; null for the copy tasks',
    applies: lmOnly((e) => `task "${e.task}" generates its own data`),
    rule(v, e) {
      if (e.isLM && v === null) {
        throw e.missing('data', e.task === 'charlm'
          ? 'a text file, or a folder with train.txt [valid.txt, test.txt]'
          : 'a folder with train.txt, valid.txt, test.txt');
      }
    },
    flag: { name: '--data', syntax: 'path', help: 'charlm: a text file or a folder with train.txt [valid.txt, test.txt] ' +
      '[the built-in corpus data/tinyshakespeare.txt]; wordlm: a folder with train.txt, valid.txt, test.txt' },
    doc: 'charlm: a text file, or a folder with `train.txt` [`valid.txt`, `test.txt`]; wordlm: a folder with ' +
      '`train.txt`, `valid.txt`, `test.txt`',
  }),
  split: section(true, {
    valid: leaf({ check: nonNegNum, default: 0, doc: 'fraction held out for validation' }),
    test: leaf({ check: nonNegNum, default: 0, doc: 'fraction held out for test' }),
  }, {
    rule(v, e) {
      if (e.task !== 'charlm') {
        throw e.error('split', `${showValue(e.raw('split'))} is not allowed: a split applies to task "charlm" only ` +
          `(task is "${e.task}"); use null`);
      }
      if (!((v['valid'] as number) + (v['test'] as number) < 1)) {
        throw e.bad('split', e.raw('split'), 'fractions "valid" and "test" that sum to less than 1');
      }
    },
    flag: { name: '--split', syntax: 'split', help: 'charlm single file: held-out fractions "valid,test" (e.g. 0.05,0.05), ' +
      'or "none" for no split' },
    doc: 'charlm, a single file only: null = all of it is training data; `{"valid": v, "test": t}` holds out the ' +
      'last floor(n·v) + floor(n·t) code points (valid first, then test). On the command line alone a single ' +
      'file holds out 5% + 5% unless `--split none`',
  }),
  embed: leaf({
    check: posInt,
    default: (e) => { const h = hiddenWidths(e); return e.isLM ? LM.embed : h[0]; },
    defaultText: `${LM.embed} for charlm, wordlm; the copy tasks use no embedding (the first hidden width, not written)`,
    written: (c) => c.task === 'charlm' || c.task === 'wordlm',
    applies: lmOnly((e) => `task "${e.task}" uses no embedding`),
    flag: { name: '--embed', syntax: 'int', help: `embedding width d [${LM.embed}]` },
    doc: 'embedding width d',
  }),
  hidden: leaf<number | number[], number[]>({
    check: widths(''), default: (e) => sizes(e).hidden,
    defaultText: `${LM.hidden} for charlm, wordlm; ${COPY.hidden} for the copy tasks`,
    value: (h, e) => (Array.isArray(h) ? [...h] : Array.from({ length: e.get('layers') as number }, () => h)),
    flag: { name: '--hidden', syntax: 'oneOrList',
      help: `LSTM width: one value (repeated over --layers) or one per layer [${LM.hidden}; copy tasks ${COPY.hidden}]` },
    doc: 'LSTM widths: one (repeated over `layers`) or a list, one per layer',
  }),
  layers: leaf({
    check: check<number>(`a positive integer <= ${MAX_LAYERS}`, (v) => isPosInt(v) && v <= MAX_LAYERS),
    default: (e) => { const h = e.get('hidden'); return Array.isArray(h) ? h.length : 1; },
    defaultText: 'length of `hidden`, or 1',
    rule(v, e) {
      const h = e.raw('hidden');
      if (Array.isArray(h) && v !== h.length) {
        throw e.error('layers', `${showValue(v)} is not allowed: "hidden" lists ${h.length} width(s), ` +
          `one per layer (give one width in "hidden" to repeat it over the layers)`);
      }
    },
    flag: { name: '--layers', syntax: 'int', help: 'number of LSTM layers [length of --hidden, or 1]' },
    doc: 'number of LSTM layers',
  }),
  tied: leaf({
    check: bool, default: false,
    applies: lmOnly((e) => `tied weights need a language-model task (charlm, wordlm), not "${e.task}"`),
    rule(v, e) {
      const h = e.get('hidden') as number[], embed = e.get('embed');
      if (v && h[h.length - 1] !== embed) {
        throw e.error('tied', `true is not allowed: tied weights need the last hidden width ` +
          `(${h[h.length - 1]}) to equal "embed" (${embed})`);
      }
    },
    flag: { name: '--tied', syntax: 'bool', help: 'tie the decoder weight to the embedding (needs last hidden = embed)' },
    doc: 'decoder weight = embedding (needs the last hidden width = `embed`)',
  }),
  batch: leaf({
    check: posInt, default: (e) => sizes(e).batch, defaultText: `${LM.batch} for charlm, wordlm; ${COPY.batch} for the copy tasks`,
    flag: { name: '--batch', syntax: 'int', help: `batch size B [${LM.batch}; copy tasks ${COPY.batch}]` },
    doc: 'batch size B',
  }),
  bptt: leaf({
    check: posInt, default: (e) => sizes(e).bptt, defaultText: `${LM.bptt} for charlm, wordlm; ${COPY.bptt} for the copy tasks`,
    flag: { name: '--bptt', syntax: 'int', help: `truncation length T [${LM.bptt}; copy tasks ${COPY.bptt}]` },
    doc: 'truncation length T',
  }),
  optimizer: section(false, {
    name: leaf({
      check: choice(['adam', 'sgd'] as const), default: 'adam',
      flag: { name: '--optimizer', syntax: 'str', help: 'model optimizer [adam]' },
      doc: 'Adam or SGD',
    }),
    lr: leaf({
      check: posNum, default: 3e-3,
      flag: { name: '--lr', syntax: 'num', help: 'model learning rate [3e-3]' },
      doc: 'the model\'s learning rate (the constant one without a schedule); the default was measured with Adam',
    }),
    betas: leaf<[number, number]>({
      check: betas, default: DEFAULT_BETAS, value: (b) => [b[0], b[1]],
      applies: { text: 'optimizer "adam"', when: (e) => e.get('optimizer.name') === 'adam', otherwise: 'ignore' },
      doc: 'Adam\'s β1, β2',
    }),
    eps: leaf({
      check: posNum, default: DEFAULT_EPS,
      applies: { text: 'optimizer "adam"', when: (e) => e.get('optimizer.name') === 'adam', otherwise: 'ignore' },
      doc: 'Adam\'s ε',
    }),
    weight_decay: leaf({
      check: nonNegNum, default: 0,
      flag: { name: '--weight-decay', syntax: 'num', help: 'L2 weight decay [0]' },
      doc: 'L2 weight decay (added to the gradient)',
    }),
    momentum: leaf({
      check: check<number>('a number >= 0 and < 1', (v) => isNum(v) && v >= 0 && v < 1), default: 0,
      applies: { text: 'optimizer "sgd"', when: (e) => e.get('optimizer.name') === 'sgd', otherwise: 'ignore' },
      flag: { name: '--momentum', syntax: 'num', help: 'sgd momentum [0]' },
      doc: 'SGD momentum',
    }),
  }, { doc: 'the model\'s optimizer' }),
  clip: leaf<number | null>({
    check: check('a number >= 0 or null (0 and null: no clipping)', (v) => v === null || (isNum(v) && v >= 0)),
    default: 1, value: (c) => (c === 0 ? null : c),
    flag: { name: '--clip', syntax: 'numOrNone', help: 'clip the gradient to this global L2 norm ("none" or 0: no clipping) [1]' },
    doc: 'limit of the global L2 norm of the model gradient (null or 0: no clipping)',
  }),
  schedule: section(true, {
    eta_max: leaf({
      check: posNum, default: (e) => e.get('optimizer.lr') as number, defaultText: '`optimizer.lr`',
      flag: { name: '--lr-max', syntax: 'num', help: 'warm restarts: eta_max [--lr]' },
      doc: 'the learning rate at the start of each cycle',
    }),
    eta_min: leaf({
      check: nonNegNum, default: 0,
      flag: { name: '--lr-min', syntax: 'num', help: 'warm restarts: eta_min [0]' },
      doc: 'the learning rate the cosine anneals to',
    }),
    t0: leaf({
      check: posIntOrNull, default: null, written: (c) => schedOf(c).cycles === null,
      flag: { name: '--restart-t0', syntax: 'int', help: 'warm restarts: length of the first cycle', drops: ['schedule.cycles'] },
      doc: 'length of the first cycle (give `t0` [and `t_mult`] or `cycles`)',
    }),
    cycles: leaf<number[] | null>({
      check: check('null or a non-empty list of positive integers (cycle lengths)',
        (v) => v === null || (Array.isArray(v) && v.length > 0 && v.every(isPosInt))),
      default: null, value: (c) => (c === null ? null : [...c]), written: (c) => schedOf(c).cycles !== null,
      flag: { name: '--restart-cycles', syntax: 'intList', help: 'warm restarts: explicit cycle lengths (instead of t0/mult)',
        drops: ['schedule.t0', 'schedule.t_mult'] },
      doc: 'the cycle lengths, instead of `t0` and `t_mult`',
    }),
    t_mult: leaf({
      check: check<number>('a number >= 1', (v) => isNum(v) && v >= 1), default: 1,
      applies: { text: 'no `cycles`', when: (e) => e.get('schedule.cycles') === null, otherwise: 'ignore' },
      flag: { name: '--restart-mult', syntax: 'num', help: 'warm restarts: cycle length multiplier [1]' },
      doc: 'each cycle is `t_mult` times as long as the one before',
    }),
    unit: leaf({
      check: choice(['epoch', 'step'] as const), default: 'epoch',
      flag: { name: '--restart-unit', syntax: 'str', help: 'warm restarts: cycles count epochs or steps [epoch]' },
      doc: 'what the cycle lengths count',
    }),
    fractional: leaf({
      check: bool, default: false,
      applies: { text: 'unit "epoch"', when: (e) => e.get('schedule.unit') === 'epoch', otherwise: 'ignore' },
      flag: { name: '--fractional', syntax: 'bool', help: 'epoch unit: anneal per batch (u = epoch + chunk/C)' },
      doc: 'anneal at every step (u = epoch + chunk/C) rather than once per epoch',
    }),
  }, {
    rule(s, e) {
      if ((s['eta_min'] as number) > (s['eta_max'] as number)) {
        throw e.bad('schedule.eta_min', s['eta_min'], `a number <= schedule.eta_max (${showValue(s['eta_max'])})`);
      }
      if (s['t0'] === null && s['cycles'] === null) {
        throw e.plain(`config key "schedule.t0" is missing: a schedule needs "t0" ` +
          `(the first cycle length; --restart-t0) or "cycles" (the cycle lengths; --restart-cycles)`, 'schedule.t0');
      }
      if (s['t0'] !== null && s['cycles'] !== null) {
        throw e.error('schedule.cycles', `${showValue(s['cycles'])} is not allowed together with "schedule.t0" ` +
          `(${s['t0']}): give t0 [and t_mult] or cycles, not both`);
      }
    },
    doc: 'SGDR warm restarts (cosine annealing of the model\'s learning rate); null: the constant `optimizer.lr`',
  }),
  policy: section(false, {
    name: leaf({
      check: choice(['bptt', 'dni', 'alternating'] as const), default: 'bptt',
      rule(v, e) {
        if (v !== 'bptt' && e.get('synthesizer') === null) {
          throw e.error('policy.name', `${showValue(v)} is not allowed without a synthesizer: give ` +
            `"synthesizer": {} for the default linear one (or --synth linear)`);
        }
        if (v === 'alternating' && e.get('schedule') === null) {
          throw e.error('policy.name', `"alternating" is not allowed without a schedule: it toggles the gradient ` +
            `mode at every warm restart; give "schedule" (e.g. --restart-t0)`);
        }
      },
      flag: { name: '--policy', syntax: 'str', help: 'gradient-mode policy [bptt]' },
      doc: 'the gradient mode of each step: real gradients only, synthetic ones (after `warmup`), or switching at ' +
        'every warm restart; dni and alternating need a synthesizer',
    }),
    warmup: leaf({
      check: nonNegInt, default: 0,
      applies: { text: 'policy "dni"', when: (e) => e.get('policy.name') === 'dni', otherwise: 'ignore' },
      flag: { name: '--warmup', syntax: 'int', help: 'dni: real-gradient units before synthetic mode [0]' },
      doc: 'units (`policy.unit`) of real gradients before synthetic mode',
    }),
    first_mode: leaf({
      check: choice(['real', 'synthetic'] as const), default: 'real',
      applies: { text: 'policy "alternating"', when: (e) => e.get('policy.name') === 'alternating', otherwise: 'ignore' },
      flag: { name: '--first-mode', syntax: 'str', help: 'alternating: mode of the first cycle [real]' },
      doc: 'the gradient mode of the first cycle',
    }),
    unit: leaf({
      check: choice(['epoch', 'step'] as const),
      default: (e) => (e.get('schedule.unit') as 'epoch' | 'step' | undefined) ?? 'epoch',
      defaultText: 'the schedule\'s unit, else "epoch"',
      rule(v, e) {
        const unit = e.get('schedule.unit');
        if (e.get('policy.name') === 'alternating' && v !== unit) {
          throw e.error('policy.unit', `${showValue(v)} is not allowed: policy "alternating" switches ` +
            `at the schedule's restarts, so its unit is the schedule's unit (${showValue(unit)})`);
        }
      },
      flag: { name: '--policy-unit', syntax: 'str', help: 'units of --warmup and mode switches [the schedule\'s unit, else epoch]' },
      doc: 'what `warmup` and the mode switches count',
    }),
  }, {
    example: (v) => (typeof v === 'string' ? ` such as {"name": ${showValue(v)}}` : ''),
    doc: 'when the model learns from real and when from synthetic gradients',
  }),
  synthesizer: SYNTHESIZER_SECTION,
  steps: leaf({
    check: posIntOrNull, default: (e) => (e.isLM || isGiven(e.raw('epochs')) ? null : COPY_STEPS),
    defaultText: `${COPY_STEPS} for the copy tasks unless \`epochs\` is given; null for charlm, wordlm`,
    flag: { name: '--steps', syntax: 'int', help: `run exactly this many optimizer steps [copy tasks: ${COPY_STEPS}]`, drops: ['epochs'] },
    doc: 'the run\'s length in optimizer steps (give `steps` or `epochs`)',
  }),
  epochs: leaf({
    check: posIntOrNull, default: (e) => (e.isLM && e.get('steps') === null ? LM_EPOCHS : null),
    defaultText: `${LM_EPOCHS} for charlm, wordlm unless \`steps\` is given; null for the copy tasks`,
    rule(epochs, e) {
      const steps = e.get('steps');
      if (steps === null && epochs === null) {
        throw e.plain('the run length is missing: give "steps" (optimizer steps) or ' +
          '"epochs" (whole epochs) (--steps / --epochs)', 'steps');
      }
      if (steps !== null && epochs !== null) {
        const f = e.flagOf('steps') ?? e.flagOf('epochs');
        throw e.plain(`config keys "steps" (${steps}) and "epochs" (${epochs}) are both given: give one of the two`, 'steps', f);
      }
    },
    flag: { name: '--epochs', syntax: 'int', help: `run this many whole epochs [charlm, wordlm: ${LM_EPOCHS}]`, drops: ['steps'] },
    doc: 'the run\'s length in whole epochs',
  }),
  backend: leaf({
    check: choice(['cpu', 'webgpu', 'auto'] as const), default: 'cpu',
    flag: { name: '--backend', syntax: 'str', help: 'compute backend [cpu]' },
    doc: 'the compute backend; config.json also records the one used (`backend_used`, `adapter`)',
  }),
  seed: leaf({
    check: check<number>('an integer >= 0 and < 2^32', (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < MAX_SEED),
    default: 0,
    flag: { name: '--seed', syntax: 'int', help: 'random seed [0]' },
    doc: 'seed of the initialisation and of everything random in the run',
  }),
  init_range: leaf({
    check: nonNegNum, default: 0.1,
    flag: { name: '--init-range', syntax: 'num', help: 'random init from U(-r, r) [0.1]' },
    doc: 'r: weights are drawn from U(−r, r) unless `init` gives them',
  }),
  init: leaf<string | null>({
    check: pathOrNull, default: null, ...path,
    flag: { name: '--init', syntax: 'path', help: 'initial weights from a safetensors file' },
    doc: 'a safetensors file of initial weights (PyTorch `state_dict` names, below)',
  }),
  eval: section(false, {
    batch: leaf({
      check: posInt, default: 10,
      flag: { name: '--eval-batch', syntax: 'int', help: 'evaluation batch size [10]' },
      doc: 'evaluation batch size',
    }),
    every: leaf({
      check: posIntOrNull, default: null, defaultText: 'null = the end of each epoch',
      flag: { name: '--eval-every', syntax: 'intOrNone', none: 'epoch',
        help: 'evaluate every N optimizer steps ["epoch": at the end of each epoch]' },
      doc: 'evaluate every N optimizer steps',
    }),
  }, { doc: 'evaluation on the held-out data (language models)' }),
  copy: section(false, {
    width: leaf({
      check: posInt, default: 8, applies: copyOnly,
      flag: { name: '--copy-width', syntax: 'int', help: 'copy tasks: bits per vector [8]' },
      doc: 'bits per vector of the sequence',
    }),
    min_length: leaf({
      check: posInt, default: 1, applies: copyOnly,
      rule(v, e) {
        if (!e.isLM && v > (e.get('copy.max_length') as number)) {
          throw e.bad('copy.min_length', v, `a length <= copy.max_length (${e.get('copy.max_length')})`);
        }
      },
      flag: { name: '--copy-min-length', syntax: 'int', help: 'copy tasks: starting sequence length [1]' },
      doc: 'the sequence length N at the start of the curriculum',
    }),
    max_length: leaf({
      check: posInt, default: 20, applies: copyOnly,
      flag: { name: '--copy-max-length', syntax: 'int', help: 'copy tasks: largest sequence length [20]' },
      doc: 'the largest N the curriculum goes to',
    }),
    repeats_max: leaf({
      check: posInt, default: (e) => copyDefaults(e.task).repeats_max, defaultText: '10 for repeat-copy, 1 for copy',
      written: (c) => c.task !== 'copy',
      applies: { text: 'repeat-copy', when: (e) => e.task === 'repeat-copy', otherwise: 'reject',
        why: (e) => (e.isLM ? copyOnly.why() : 'repeats apply to task "repeat-copy" only') },
      doc: 'the largest repeat count R',
    }),
    threshold: leaf({
      check: posNum, default: 0.15, applies: copyOnly,
      doc: 'the curriculum steps up when the average error, in bits per sequence, falls below this',
    }),
    sequences: leaf({
      check: posInt, default: 100, applies: copyOnly,
      doc: 'the number of recent sequences that average is taken over (the stream: the last episodes completed ' +
        'at the current level, over all rows; episodic: the last 3 episodes of B sequences)',
    }),
    stream: leaf({
      check: bool, default: true, applies: copyOnly,
      flag: { name: '--no-copy-stream', syntax: 'no-bool', help: 'copy tasks: episodes from a zero state (§8) instead of one endless stream per row' },
      doc: 'each batch row is an endless stream of episodes, the state reset only at the run\'s start, truncation ' +
        'points at every phase of an episode (Jaderberg et al.\'s protocol, docs/algorithm.md §12); a stream has no ' +
        'epochs: one step counts as one epoch. false: every episode starts from a zero state (§8)',
    }),
  }, { written: (c) => c.task === 'copy' || c.task === 'repeat-copy', doc: 'the copy tasks\' curriculum' }),
  diagnostics: section(false, {
    every: leaf<number | null>({
      check: check('an integer >= 0 or null (null, 0: off)', (v) => v === null || (Number.isSafeInteger(v) && (v as number) >= 0)),
      default: null, defaultText: 'null = off',
      flag: { name: '--diagnose-every', syntax: 'intOrNone', none: 'off',
        help: 'measure ĝ against the true future gradient after every N-th step (0, "off": never) [off]' },
      doc: 'after every N-th optimizer step, ĝ_k against the true gradient of the next `horizon` chunks\' losses '
        + '(`sg_true_cos`, `sg_true_rel_err`; docs/algorithm.md §11); 0 or null: off. Training is unchanged by it',
    }),
    horizon: leaf({
      check: posInt, default: 4,
      flag: { name: '--diagnose-horizon', syntax: 'int', help: 'chunks of the diagnostic look-ahead [4]' },
      doc: 'H: the look-ahead sums the losses of the next H chunks, F = Σ_j γ^(j−1) L_(k+j)',
    }),
  }, {
    written: (c) => !!(c['diagnostics'] as { every: number | null }).every,
    doc: 'the look-ahead comparison of ĝ with the true future gradient (§11)',
  }),
  threads: leaf({
    check: posIntOrNull, default: null, defaultText: 'null = auto: the logical CPUs, at most 8',
    flag: { name: '--threads', syntax: 'intOrNone', none: 'auto',
      help: 'CPU threads; any count gives the same numbers ["auto": the logical CPUs, at most 8; 1: no worker threads]' },
    doc: 'CPU threads (any count gives the same numbers; 1: no worker threads)',
  }),
  on_nan: leaf({
    check: choice(['stop', 'skip'] as const), default: 'stop',
    flag: { name: '--on-nan', syntax: 'str', help: 'on a non-finite loss: stop the run or skip the step [stop]' },
    doc: 'on a non-finite loss or gradient: stop the run (exit code 3, the last good checkpoint kept) or skip the step',
  }),
};

function schedOf(c: Record<string, unknown>): { cycles: unknown } {
  return c['schedule'] as { cycles: unknown };
}

/** A resolved run configuration: every key of docs/config.md, defaults filled in (resolveConfig makes one). */
export type RunConfig = ConfigOf<typeof KEYS>;
export type OptimizerConfig = RunConfig['optimizer'];
export type ScheduleConfig = NonNullable<RunConfig['schedule']>;
export type PolicyConfig = RunConfig['policy'];
/** The `synthesizer` section of a resolved configuration. */
export type SynthesizerConfig = NonNullable<RunConfig['synthesizer']>;
/** every: null = end of each epoch; N = every N optimizer steps. */
export type EvalConfig = RunConfig['eval'];
export type CopyConfig = RunConfig['copy'];
