// The run configuration (docs/CONFIG.md): validation with defaults, the
// command-line shortcuts of `synthgrad train`, and the resolved form that is
// written to a run directory's `config.json`.
//
// Pure functions, no Node imports (paths are handled by a small posix-style
// helper, or by functions the caller injects; see config-file.ts).
//
// Defaults that CONFIG.md leaves to the implementation, chosen here:
//
//   task, hidden, batch, bptt  required (no default).
//   embed                      required for charlm / wordlm. The copy tasks
//                              feed their bit vectors straight into the LSTM
//                              and use no embedding: leave `embed` out (it
//                              resolves to the first hidden width and is
//                              not written to config.json).
//   copy (copy / repeat-copy only; for language-model tasks the block must be
//   absent or hold the defaults):
//     width        [8]    bits per vector of the sequence
//     min_length   [1]    sequence length N at the start of the curriculum
//     max_length   [20]   the largest N the curriculum goes to
//     repeats_max  [1 for copy, 10 for repeat-copy]  the largest repeat count R
//                         (copy: must be 1)
//     threshold    [0.15] the curriculum steps up when the average error, in
//                         bits per sequence, falls below this
//     sequences    [100]  the number of recent sequences that average is
//                         taken over
//   eval      {batch [10], every [null = end of each epoch; N = every N steps]}
//   threads   [null = auto: the logical CPUs, at most 8]
//   on_nan    ["stop"] a non-finite loss stops the run; "skip" skips the step
//   split     [null]   only for charlm; missing `valid` / `test` are 0.
//   synthesizer.betas [[0.9, 0.999]], eps [1e-8] (as the model's Adam).
//
// Optimizer, schedule, policy and synthesizer settings that do not apply
// (momentum for Adam, betas/eps for SGD, policy.warmup unless policy "dni",
// policy.first_mode unless "alternating", synthesizer.hidden unless kind
// "mlp", units / noise unless "elementwise", schedule.fractional with unit
// "step", schedule.t_mult with cycles) are accepted and ignored, so one config
// template serves every policy. Settings of another task (split unless
// charlm, data and tied for copy tasks, the copy block for language-model
// tasks) may be given only with their default value: anything else is an
// error rather than a silent no-op.
// configToJson leaves such settings out (so a config.json never carries a
// stale, meaningless value).
//
// Recorded-only keys: `backend_used` and `adapter` (string or null) and
// `threads_used` (positive integer or null) are written to config.json by the trainer and accepted (and ignored) when such
// a file is read back. Keys starting with `_` are comments at every level.

// ---------------------------------------------------------------- types

export type Task = 'charlm' | 'wordlm' | 'copy' | 'repeat-copy';

export interface OptimizerConfig {
  name: 'adam' | 'sgd'; lr: number; betas: [number, number]; eps: number;
  weight_decay: number; momentum: number;
}

export interface ScheduleConfig {
  eta_max: number; eta_min: number; t0: number | null; t_mult: number;
  cycles: number[] | null; unit: 'epoch' | 'step'; fractional: boolean;
}

export interface PolicyConfig {
  name: 'bptt' | 'dni' | 'alternating'; warmup: number;
  first_mode: 'real' | 'synthetic'; unit: 'epoch' | 'step';
}

export interface SynthesizerConfig {
  kind: 'linear' | 'mlp' | 'elementwise'; scale: number; lr: number;
  betas: [number, number]; eps: number; weight_decay: number; hidden: number[];
  units: number; noise: number; train_in_real: boolean;
  /** γ of the bootstrapped target (ALGORITHM.md §10); null = λ (§4). */
  discount: number | null;
  /** Whether the pair at a state reset (s_{k−1} = 0) trains the synthesizer (§9: true). */
  train_at_reset: boolean;
  /** How the synthesizer copes with the target's scale: "none" = §4, "popart" = models/target-normalizer.ts. */
  normalize: 'none' | 'popart';
  /** DNI + Aux weight (§13); 0 = off. */
  aux: number;
}

/** every: null = end of each epoch; N = every N optimizer steps. */
export interface EvalConfig { batch: number; every: number | null }

export interface CopyConfig {
  width: number; min_length: number; max_length: number; repeats_max: number;
  threshold: number; sequences: number;
}

export interface RunConfig {
  task: Task; data: string | null; split: { valid: number; test: number } | null;
  embed: number; hidden: number[]; layers: number; tied: boolean; batch: number; bptt: number;
  optimizer: OptimizerConfig; clip: number | null; schedule: ScheduleConfig | null; policy: PolicyConfig;
  synthesizer: SynthesizerConfig | null; steps: number | null; epochs: number | null;
  backend: 'cpu' | 'webgpu' | 'auto'; seed: number; init_range: number; init: string | null;
  eval: EvalConfig; copy: CopyConfig; threads: number | null; on_nan: 'stop' | 'skip';
}

/** A configuration or command-line problem; the CLI exits with `exitCode`. */
export class ConfigError extends Error {
  exitCode = 2;
  /** The config key path concerned (`optimizer.lr`), when there is one. */
  key: string | undefined;
  /** The command-line option concerned (`--lr`), when there is one. */
  flag: string | undefined;
  constructor(message: string, key?: string, flag?: string) {
    super(message);
    this.name = 'ConfigError';
    this.key = key;
    this.flag = flag;
  }
}

/** Path functions; the default is `posixPath`, config-file.ts has Node's. */
export interface PathOps {
  isAbsolute(p: string): boolean;
  /** `p` against the folder `base` (p itself when absolute). */
  resolve(base: string, p: string): string;
  /** The path of `to` relative to the folder `from`. */
  relative(from: string, to: string): string;
}

export interface ResolveOptions {
  /** The folder that relative `data` / `init` paths are relative to. */
  baseDir: string;
  /** The file name, or 'command line', for messages. */
  source: string;
  path?: PathOps;
}

// ---------------------------------------------------------------- constants

export const TASKS: readonly Task[] = ['charlm', 'wordlm', 'copy', 'repeat-copy'];
const LM_TASKS: readonly Task[] = ['charlm', 'wordlm'];

/** Keys written by the trainer into config.json, accepted and ignored on reading. */
export const RECORDED_KEYS: readonly string[] = ['backend_used', 'adapter', 'threads_used'];

const TOP_KEYS = [
  'task', 'data', 'split', 'embed', 'hidden', 'layers', 'tied', 'batch', 'bptt',
  'optimizer', 'clip', 'schedule', 'policy', 'synthesizer', 'steps', 'epochs',
  'backend', 'seed', 'init_range', 'init', 'eval', 'copy', 'threads', 'on_nan',
  ...RECORDED_KEYS,
] as const;
const OPTIMIZER_KEYS = ['name', 'lr', 'betas', 'eps', 'weight_decay', 'momentum'] as const;
const SCHEDULE_KEYS = ['eta_max', 'eta_min', 't0', 't_mult', 'cycles', 'unit', 'fractional'] as const;
const POLICY_KEYS = ['name', 'warmup', 'first_mode', 'unit'] as const;
const SYNTH_KEYS = [
  'kind', 'scale', 'lr', 'betas', 'eps', 'weight_decay', 'hidden', 'units', 'noise', 'train_in_real',
] as const;
const SPLIT_KEYS = ['valid', 'test'] as const;
const EVAL_KEYS = ['batch', 'every'] as const;
const COPY_KEYS = ['width', 'min_length', 'max_length', 'repeats_max', 'threshold', 'sequences'] as const;

/** Every key path the schema knows (for suggestions). */
const ALL_PATHS: readonly string[] = [
  ...TOP_KEYS,
  ...OPTIMIZER_KEYS.map((k) => `optimizer.${k}`),
  ...SCHEDULE_KEYS.map((k) => `schedule.${k}`),
  ...POLICY_KEYS.map((k) => `policy.${k}`),
  ...SYNTH_KEYS.map((k) => `synthesizer.${k}`),
  ...SPLIT_KEYS.map((k) => `split.${k}`),
  ...EVAL_KEYS.map((k) => `eval.${k}`),
  ...COPY_KEYS.map((k) => `copy.${k}`),
];

const DEFAULT_BETAS: [number, number] = [0.9, 0.999];
const DEFAULT_EPS = 1e-8;
const MAX_SEED = 2 ** 32;
const MAX_LAYERS = 1000;

/** Copy-task defaults (see the comment at the top). */
export function copyDefaults(task: Task): CopyConfig {
  return {
    width: 8, min_length: 1, max_length: 20, repeats_max: task === 'repeat-copy' ? 10 : 1,
    threshold: 0.15, sequences: 100,
  };
}

// ---------------------------------------------------------------- helpers

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON text of a value for messages (never throws; long values are cut). */
export function showValue(v: unknown): string {
  let s: string;
  if (v === undefined) s = 'undefined';
  else if (typeof v === 'number') s = Number.isFinite(v) ? JSON.stringify(v) : String(v);
  else if (typeof v === 'bigint') s = `${v}n`;
  else if (typeof v === 'function' || typeof v === 'symbol') s = String(typeof v);
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = Array.isArray(v) ? '[…]' : '{…}';
    }
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function editDistance(a: string, b: string): number {
  const m = a.length, n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n]!;
}

/** camelCase / kebab-case / any case → snake_case, for matching. */
function snake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
}

/** The closest known key to an unknown one, as a full key path, or undefined. */
function suggest(prefix: string, key: string, known: readonly string[]): string | undefined {
  const full = (k: string) => (prefix ? `${prefix}.${k}` : k);
  const s = snake(key);
  for (const k of known) if (snake(k) === s) return full(k);
  // The name of a command-line option, or a key that lives at another level.
  for (const f of TRAIN_FLAGS) if (snake(f.flag.slice(2)) === s) return f.key;
  const leafMatches = ALL_PATHS.filter((p) => p.endsWith(`.${s}`) || p === s);
  if (leafMatches.length > 0) return leafMatches[0];
  let best: string | undefined, bestD = Infinity;
  for (const k of known) {
    const d = editDistance(s, k);
    if (d < bestD) { bestD = d; best = k; }
  }
  if (best !== undefined && bestD <= Math.max(2, Math.floor(s.length / 3))) return full(best);
  // A known key that the unknown one starts with, or the other way round ("embedding" → "embed").
  for (const k of known) if (Math.min(k.length, s.length) >= 3 && (s.startsWith(k) || k.startsWith(s))) return full(k);
  return undefined;
}

// ---------------------------------------------------------------- paths

function posixNormalize(p: string): string {
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(seg);
  }
  const body = out.join('/');
  return abs ? `/${body}` : body === '' ? '.' : body;
}

/** Pure posix-style path functions (a Windows drive path counts as absolute). */
export const posixPath: PathOps = {
  isAbsolute: (p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'),
  resolve(base, p) {
    if (posixPath.isAbsolute(p)) return p;
    return posixNormalize(base === '' ? p : `${base}/${p}`);
  },
  relative(from, to) {
    const fa = from.startsWith('/'), ta = to.startsWith('/');
    if (fa !== ta || /^[A-Za-z]:[\\/]/.test(to) || to.startsWith('\\\\')) return to;
    const f = posixNormalize(from).split('/').filter((s) => s !== '' && s !== '.');
    const t = posixNormalize(to).split('/').filter((s) => s !== '' && s !== '.');
    let i = 0;
    while (i < f.length && i < t.length && f[i] === t[i]) i++;
    if (f.slice(i).includes('..')) return to; // cannot climb out of an unknown folder
    const rel = [...f.slice(i).map(() => '..'), ...t.slice(i)].join('/');
    return rel === '' ? '.' : rel;
  },
};

// ---------------------------------------------------------------- reading

/** Which config key paths were set by which command-line option (see applyFlags). */
const FLAG_ORIGIN = new WeakMap<object, Map<string, string>>();

class Ctx {
  constructor(readonly source: string, readonly flags: Map<string, string> | undefined) {}

  flagOf(path: string): string | undefined {
    return this.flags?.get(path);
  }

  /** A ConfigError about `path`; `detail` follows the key in the message. */
  error(path: string, detail: string): ConfigError {
    const flag = this.flagOf(path);
    if (flag !== undefined) return new ConfigError(`option ${flag}: ${detail} (config key "${path}")`, path, flag);
    return new ConfigError(`${this.source}: config key "${path}": ${detail}`, path);
  }

  bad(path: string, value: unknown, expected: string): ConfigError {
    return this.error(path, `${showValue(value)} is not allowed: expected ${expected}`);
  }

  missing(path: string, expected: string): ConfigError {
    const f = TRAIN_FLAGS.find((t) => t.key === path);
    const hint = f ? ` (in the config file, or with ${f.flag})` : '';
    return new ConfigError(`${this.source}: config key "${path}" is missing: expected ${expected}${hint}`, path);
  }
}

/** One JSON object of the configuration, at key path `prefix`. */
class Section {
  constructor(readonly ctx: Ctx, readonly prefix: string, readonly obj: Obj, known: readonly string[]) {
    for (const k of Object.keys(obj)) {
      if (k.startsWith('_') || known.includes(k)) continue;
      const p = this.path(k);
      const s = suggest(prefix, k, known);
      const hint = s !== undefined ? `did you mean "${s}"?` : `known keys here: ${known.map((x) => `"${x}"`).join(', ')}`;
      throw new ConfigError(`${ctx.source}: unknown config key "${p}": ${hint}`, p);
    }
  }

  path(k: string): string {
    return this.prefix ? `${this.prefix}.${k}` : k;
  }

  /** Whether the key is present (undefined counts as absent). */
  has(k: string): boolean {
    return Object.hasOwn(this.obj, k) && this.obj[k] !== undefined;
  }

  raw(k: string): unknown {
    return Object.hasOwn(this.obj, k) ? this.obj[k] : undefined;
  }

  // Typed getters. Each returns the default when the key is absent (or, for
  // the *OrNull getters, null is a value in its own right).

  value<T>(k: string, def: T | undefined, expected: string, test: (v: unknown) => boolean): T {
    if (!this.has(k)) {
      if (def === undefined) throw this.ctx.missing(this.path(k), expected);
      return def;
    }
    const v = this.obj[k];
    if (!test(v)) throw this.ctx.bad(this.path(k), v, expected);
    return v as T;
  }

  choice<T extends string>(k: string, choices: readonly T[], def: T | undefined): T {
    return this.value<T>(k, def, `one of ${choices.map((c) => `"${c}"`).join(', ')}`,
      (v) => typeof v === 'string' && (choices as readonly string[]).includes(v));
  }

  bool(k: string, def: boolean): boolean {
    return this.value(k, def, 'true or false', (v) => typeof v === 'boolean');
  }

  posInt(k: string, def?: number): number {
    return this.value(k, def, 'a positive integer', isPosInt);
  }

  nonNegInt(k: string, def?: number): number {
    return this.value(k, def, 'a non-negative integer', (v) => Number.isSafeInteger(v) && (v as number) >= 0);
  }

  posNum(k: string, def?: number): number {
    return this.value(k, def, 'a number > 0', (v) => isNum(v) && v > 0);
  }

  nonNegNum(k: string, def?: number): number {
    return this.value(k, def, 'a number >= 0', (v) => isNum(v) && v >= 0);
  }

  posIntOrNull(k: string): number | null {
    return this.value<number | null>(k, null, 'a positive integer or null', (v) => v === null || isPosInt(v));
  }

  pathOrNull(k: string): string | null {
    return this.value<string | null>(k, null, 'a file path (a non-empty string) or null',
      (v) => v === null || (typeof v === 'string' && v !== ''));
  }

  betas(k: string): [number, number] {
    const v = this.value<[number, number]>(k, DEFAULT_BETAS, 'a list of two numbers, each >= 0 and < 1',
      (x) => Array.isArray(x) && x.length === 2 && x.every((b) => isNum(b) && b >= 0 && b < 1));
    return [v[0], v[1]];
  }

  section(k: string, known: readonly string[], nullable: boolean): Section | null {
    if (!this.has(k)) return nullable ? null : new Section(this.ctx, this.path(k), {}, known);
    const v = this.obj[k];
    if (v === null && nullable) return null;
    if (!isObj(v)) {
      const example = k === 'policy' && typeof v === 'string' ? ` such as {"name": ${showValue(v)}}` : '';
      throw this.ctx.bad(this.path(k), v, `${nullable ? 'null or ' : ''}an object${example}`);
    }
    return new Section(this.ctx, this.path(k), v, known);
  }

  /**
   * A setting that does not apply here (momentum with Adam, warmup without dni, …):
   * accepted and ignored, as torch ignores an unused argument, so a generic config
   * template works for every policy; configToJson leaves it out.
   */
  ignoredUnlessApplies<T>(_k: string, _actual: T, def: T, _why: string): T {
    return def;
  }

  /** Fail when a setting that does not apply is given with a non-default value. */
  onlyDefault(k: string, actual: unknown, def: unknown, why: string): void {
    if (this.has(k) && !sameJson(actual, def)) {
      throw this.ctx.error(this.path(k), `${showValue(this.obj[k])} is not allowed: ${why} (leave it out)`);
    }
  }
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isPosInt(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) > 0;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function posIntList(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every(isPosInt);
}

// ---------------------------------------------------------------- resolve

/**
 * Validate a raw configuration (parsed JSON, possibly merged with
 * command-line values by applyFlags) and fill in every default.
 * Throws ConfigError, naming the key, on any problem.
 */
export function resolveConfig(raw: unknown, opts: ResolveOptions): RunConfig {
  const paths = opts.path ?? posixPath;
  const ctx = new Ctx(opts.source, isObj(raw) ? FLAG_ORIGIN.get(raw) : undefined);
  if (!isObj(raw)) {
    throw new ConfigError(`${opts.source}: the configuration must be a JSON object, not ${showValue(raw)}`);
  }
  // Phase 1: every key on its own (unknown keys, types, ranges), in the order
  // of CONFIG.md. Phase 2: the combinations.
  const top = new Section(ctx, '', raw, TOP_KEYS);
  for (const k of RECORDED_KEYS) {
    if (k === 'threads_used') top.value<number | null>(k, null, 'a positive integer or null (recorded by the trainer)', (v) => v === null || isPosInt(v));
    else top.value<string | null>(k, null, 'a string or null (recorded by the trainer)', (v) => v === null || typeof v === 'string');
  }

  const task = top.choice('task', TASKS, undefined);
  const isLM = LM_TASKS.includes(task);
  const dataGiven = top.pathOrNull('data');
  const splitSec = top.section('split', SPLIT_KEYS, true);
  const split = splitSec === null ? null : { valid: splitSec.nonNegNum('valid', 0), test: splitSec.nonNegNum('test', 0) };
  const hiddenRaw = top.value<number | number[]>('hidden', undefined,
    'a positive integer or a non-empty list of positive integers', (v) => isPosInt(v) || posIntList(v));
  const layers = top.value<number>('layers', Array.isArray(hiddenRaw) ? hiddenRaw.length : 1,
    `a positive integer <= ${MAX_LAYERS}`, (v) => isPosInt(v) && v <= MAX_LAYERS);
  const hidden = Array.isArray(hiddenRaw) ? [...hiddenRaw] : Array.from({ length: layers }, () => hiddenRaw);
  const embed = isLM ? top.posInt('embed') : top.posInt('embed', hidden[0]!);
  const tied = top.bool('tied', false);
  const batch = top.posInt('batch');
  const bptt = top.posInt('bptt');

  const optSec = top.section('optimizer', OPTIMIZER_KEYS, false)!;
  const optimizer: OptimizerConfig = {
    name: optSec.choice('name', ['adam', 'sgd'] as const, 'adam'),
    lr: optSec.posNum('lr', 1e-3),
    betas: optSec.betas('betas'),
    eps: optSec.posNum('eps', DEFAULT_EPS),
    weight_decay: optSec.nonNegNum('weight_decay', 0),
    momentum: optSec.value('momentum', 0, 'a number >= 0 and < 1', (v) => isNum(v) && v >= 0 && v < 1),
  };
  const clipRaw = top.value<number | null>('clip', null, 'a number >= 0 or null (0 and null: no clipping)',
    (v) => v === null || (isNum(v) && v >= 0));
  const clip = clipRaw === 0 ? null : clipRaw;

  let schedule: ScheduleConfig | null = null;
  const schSec = top.section('schedule', SCHEDULE_KEYS, true);
  if (schSec !== null) {
    schedule = {
      eta_max: schSec.posNum('eta_max', optimizer.lr),
      eta_min: schSec.nonNegNum('eta_min', 0),
      t0: schSec.posIntOrNull('t0'),
      t_mult: schSec.value('t_mult', 1, 'a number >= 1', (v) => isNum(v) && v >= 1),
      cycles: schSec.value<number[] | null>('cycles', null,
        'null or a non-empty list of positive integers (cycle lengths)', (v) => v === null || posIntList(v)),
      unit: schSec.choice('unit', ['epoch', 'step'] as const, 'epoch'),
      fractional: schSec.bool('fractional', false),
    };
    if (schedule.cycles !== null) schedule.cycles = [...schedule.cycles];
  }

  const polSec = top.section('policy', POLICY_KEYS, false)!;
  const policy: PolicyConfig = {
    name: polSec.choice('name', ['bptt', 'dni', 'alternating'] as const, 'bptt'),
    warmup: polSec.nonNegInt('warmup', 0),
    first_mode: polSec.choice('first_mode', ['real', 'synthetic'] as const, 'real'),
    unit: polSec.choice('unit', ['epoch', 'step'] as const, schedule?.unit ?? 'epoch'),
  };

  let synthesizer: SynthesizerConfig | null = null;
  const synSec = top.section('synthesizer', SYNTH_KEYS, true);
  const S = 2 * hidden.reduce((a, b) => a + b, 0);
  if (synSec !== null) {
    const kind = synSec.choice('kind', ['linear', 'mlp', 'elementwise'] as const, 'linear');
    const hRaw = synSec.value<number | number[]>('hidden', [S],
      'a positive integer or a non-empty list of positive integers (the mlp hidden widths)',
      (v) => isPosInt(v) || posIntList(v));
    synthesizer = {
      kind,
      scale: synSec.nonNegNum('scale', 0.1),
      lr: synSec.posNum('lr', 1e-3),
      betas: synSec.betas('betas'),
      eps: synSec.posNum('eps', DEFAULT_EPS),
      weight_decay: synSec.nonNegNum('weight_decay', 0),
      hidden: Array.isArray(hRaw) ? [...hRaw] : [hRaw],
      units: synSec.posInt('units', 50),
      noise: synSec.nonNegNum('noise', 0.5),
      train_in_real: synSec.bool('train_in_real', true),
      discount: null,
      train_at_reset: false,
      normalize: 'popart',
      aux: 0,
    };
  }

  const steps = top.posIntOrNull('steps');
  const epochs = top.posIntOrNull('epochs');
  const backend = top.choice('backend', ['cpu', 'webgpu', 'auto'] as const, 'cpu');
  const seed = top.value('seed', 0, 'an integer >= 0 and < 2^32',
    (v) => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < MAX_SEED);
  const init_range = top.nonNegNum('init_range', 0.1);
  const initGiven = top.pathOrNull('init');

  const evSec = top.section('eval', EVAL_KEYS, false)!;
  const evalCfg: EvalConfig = { batch: evSec.posInt('batch', 10), every: evSec.posIntOrNull('every') };

  const cdef = copyDefaults(task);
  const cpSec = top.section('copy', COPY_KEYS, false)!;
  const copy: CopyConfig = {
    width: cpSec.posInt('width', cdef.width),
    min_length: cpSec.posInt('min_length', cdef.min_length),
    max_length: cpSec.posInt('max_length', cdef.max_length),
    repeats_max: cpSec.posInt('repeats_max', cdef.repeats_max),
    threshold: cpSec.posNum('threshold', cdef.threshold),
    sequences: cpSec.posInt('sequences', cdef.sequences),
  };
  const threads = top.posIntOrNull('threads');
  const on_nan = top.choice('on_nan', ['stop', 'skip'] as const, 'stop');

  // Phase 2: combinations.

  // -- data
  if (isLM && dataGiven === null) {
    throw ctx.missing('data', task === 'charlm'
      ? 'a text file, or a folder with train.txt [valid.txt, test.txt]'
      : 'a folder with train.txt, valid.txt, test.txt');
  }
  if (!isLM) top.onlyDefault('data', dataGiven, null, `task "${task}" generates its own data`);
  if (split !== null) {
    if (task !== 'charlm') {
      throw ctx.error('split', `${showValue(raw['split'])} is not allowed: a split applies to task "charlm" only ` +
        `(task is "${task}"); use null`);
    }
    if (!(split.valid + split.test < 1)) {
      throw ctx.bad('split', raw['split'], 'fractions "valid" and "test" that sum to less than 1');
    }
  }

  // -- model shape
  if (Array.isArray(hiddenRaw) && layers !== hidden.length) {
    throw ctx.error('layers', `${showValue(layers)} is not allowed: "hidden" lists ${hidden.length} width(s), ` +
      `one per layer (give one width in "hidden" to repeat it over the layers)`);
  }
  if (!isLM) {
    top.onlyDefault('embed', embed, hidden[0], `task "${task}" uses no embedding`);
    top.onlyDefault('tied', tied, false, `tied weights need a language-model task (charlm, wordlm), not "${task}"`);
  }
  if (tied && hidden[hidden.length - 1] !== embed) {
    throw ctx.error('tied', `true is not allowed: tied weights need the last hidden width ` +
      `(${hidden[hidden.length - 1]}) to equal "embed" (${embed})`);
  }

  // -- optimizer
  if (optimizer.name === 'adam') {
    optimizer.momentum = optSec.ignoredUnlessApplies('momentum', optimizer.momentum, 0, 'momentum applies to "sgd" only');
  } else {
    optimizer.betas = optSec.ignoredUnlessApplies('betas', optimizer.betas, [DEFAULT_BETAS[0], DEFAULT_BETAS[1]] as [number, number], 'betas apply to "adam" only');
    optimizer.eps = optSec.ignoredUnlessApplies('eps', optimizer.eps, DEFAULT_EPS, 'eps applies to "adam" only');
  }

  // -- schedule
  if (schSec !== null && schedule !== null) {
    if (schedule.eta_min > schedule.eta_max) {
      throw ctx.bad('schedule.eta_min', schedule.eta_min, `a number <= schedule.eta_max (${showValue(schedule.eta_max)})`);
    }
    if (schedule.t0 === null && schedule.cycles === null) {
      throw new ConfigError(`${opts.source}: config key "schedule.t0" is missing: a schedule needs "t0" ` +
        `(the first cycle length; --restart-t0) or "cycles" (the cycle lengths; --restart-cycles)`, 'schedule.t0');
    }
    if (schedule.t0 !== null && schedule.cycles !== null) {
      throw ctx.error('schedule.cycles', `${showValue(schedule.cycles)} is not allowed together with "schedule.t0" ` +
        `(${schedule.t0}): give t0 [and t_mult] or cycles, not both`);
    }
    if (schedule.cycles !== null) schedule.t_mult = schSec.ignoredUnlessApplies('t_mult', schedule.t_mult, 1, '"cycles" replaces t0 and t_mult');
    if (schedule.unit === 'step') {
      schedule.fractional = schSec.ignoredUnlessApplies('fractional', schedule.fractional, false, 'fractional applies to unit "epoch" only');
    }
  }

  // -- policy
  if (policy.name !== 'dni') policy.warmup = polSec.ignoredUnlessApplies('warmup', policy.warmup, 0, 'warmup applies to policy "dni" only');
  if (policy.name !== 'alternating') {
    policy.first_mode = polSec.ignoredUnlessApplies('first_mode', policy.first_mode, 'real', 'first_mode applies to policy "alternating" only');
  }
  if (policy.name !== 'bptt' && synthesizer === null) {
    throw ctx.error('policy.name', `${showValue(policy.name)} is not allowed without a synthesizer: give ` +
      `"synthesizer": {} for the default linear one (or --synth linear)`);
  }
  if (policy.name === 'alternating') {
    if (schedule === null) {
      throw ctx.error('policy.name', `"alternating" is not allowed without a schedule: it toggles the gradient ` +
        `mode at every warm restart; give "schedule" (e.g. --restart-t0)`);
    }
    if (policy.unit !== schedule.unit) {
      throw ctx.error('policy.unit', `${showValue(policy.unit)} is not allowed: policy "alternating" switches ` +
        `at the schedule's restarts, so its unit is the schedule's unit (${showValue(schedule.unit)})`);
    }
  }

  // -- synthesizer
  if (synSec !== null && synthesizer !== null) {
    if (synthesizer.kind !== 'mlp') synthesizer.hidden = synSec.ignoredUnlessApplies('hidden', synthesizer.hidden, [S], 'hidden applies to kind "mlp" only');
    if (synthesizer.kind !== 'elementwise') {
      synthesizer.units = synSec.ignoredUnlessApplies('units', synthesizer.units, 50, 'units applies to kind "elementwise" only');
      synthesizer.noise = synSec.ignoredUnlessApplies('noise', synthesizer.noise, 0.5, 'noise applies to kind "elementwise" only');
    }
  }

  // -- run length
  if (steps === null && epochs === null) {
    throw new ConfigError(`${opts.source}: the run length is missing: give "steps" (optimizer steps) or ` +
      `"epochs" (whole epochs) (--steps / --epochs)`, 'steps');
  }
  if (steps !== null && epochs !== null) {
    const f = ctx.flagOf('steps') ?? ctx.flagOf('epochs');
    throw new ConfigError(`${f !== undefined ? `option ${f}` : opts.source}: config keys "steps" (${steps}) and ` +
      `"epochs" (${epochs}) are both given: give one of the two`, 'steps', f);
  }

  // -- copy tasks
  if (isLM) {
    for (const k of COPY_KEYS) {
      cpSec.onlyDefault(k, copy[k], cdef[k], `the copy settings apply to tasks "copy" and "repeat-copy" only`);
    }
  } else {
    if (copy.min_length > copy.max_length) {
      throw ctx.bad('copy.min_length', copy.min_length, `a length <= copy.max_length (${copy.max_length})`);
    }
    if (task === 'copy') cpSec.onlyDefault('repeats_max', copy.repeats_max, 1, 'repeats apply to task "repeat-copy" only');
  }

  return {
    task,
    data: dataGiven === null ? null : paths.resolve(opts.baseDir, dataGiven),
    split, embed, hidden, layers, tied, batch, bptt, optimizer, clip, schedule, policy,
    synthesizer, steps, epochs, backend, seed, init_range,
    init: initGiven === null ? null : paths.resolve(opts.baseDir, initGiven),
    eval: evalCfg, copy, threads, on_nan,
  };
}

// ---------------------------------------------------------------- writing

/**
 * The resolved configuration as the JSON object for `<run dir>/config.json`:
 * every default filled in, `data` / `init` relative to `runDir` (pass an
 * absolute runDir, or Node's path functions), settings that do not apply left
 * out, plus `extra` keys (recorded-only keys such as `backend_used`,
 * `adapter`, or `_`-prefixed comments). resolveConfig reads the result back
 * (with baseDir = runDir) to the same RunConfig.
 */
export function configToJson(cfg: RunConfig, runDir: string, extra: Record<string, unknown> = {},
  path: PathOps = posixPath): Obj {
  const isLM = LM_TASKS.includes(cfg.task);
  const rel = (p: string | null) => (p === null ? null : path.relative(runDir, p) || '.');
  // Every setting is written, those that do not apply included (as their defaults,
  // which resolveConfig accepts and ignores), so the file shows the whole schema.
  const o = cfg.optimizer;
  const opt: Obj = { name: o.name, lr: o.lr, betas: [...o.betas], eps: o.eps, weight_decay: o.weight_decay, momentum: o.momentum };
  const pol: Obj = { ...cfg.policy };

  let syn: Obj | null = null;
  if (cfg.synthesizer !== null) {
    const s = cfg.synthesizer;
    syn = { kind: s.kind, scale: s.scale, lr: s.lr, betas: [...s.betas], eps: s.eps, weight_decay: s.weight_decay,
      hidden: [...s.hidden], units: s.units, noise: s.noise, train_in_real: s.train_in_real };
  }

  let sch: Obj | null = null;
  if (cfg.schedule !== null) {
    const s = cfg.schedule;
    sch = { eta_max: s.eta_max, eta_min: s.eta_min };
    if (s.cycles === null) sch['t0'] = s.t0;
    else sch['cycles'] = [...s.cycles];
    Object.assign(sch, { t_mult: s.t_mult, unit: s.unit, fractional: s.fractional });
  }

  const out: Obj = {
    task: cfg.task,
    data: rel(cfg.data),
    split: cfg.split === null ? null : { ...cfg.split },
    ...(isLM ? { embed: cfg.embed } : {}),
    hidden: [...cfg.hidden],
    layers: cfg.layers,
    tied: cfg.tied,
    batch: cfg.batch,
    bptt: cfg.bptt,
    optimizer: opt,
    clip: cfg.clip,
    schedule: sch,
    policy: pol,
    synthesizer: syn,
    steps: cfg.steps,
    epochs: cfg.epochs,
    backend: cfg.backend,
    seed: cfg.seed,
    init_range: cfg.init_range,
    init: rel(cfg.init),
    eval: { ...cfg.eval },
  };
  if (!isLM) {
    const c: Obj = { ...cfg.copy };
    if (cfg.task === 'copy') delete c['repeats_max'];
    out['copy'] = c;
  }
  out['threads'] = cfg.threads;
  out['on_nan'] = cfg.on_nan;
  for (const [k, v] of Object.entries(extra)) {
    if (k.startsWith('_')) { out[k] = v; continue; }
    if (!RECORDED_KEYS.includes(k)) {
      throw new Error(`configToJson: extra key "${k}" would not read back; use one of ` +
        `${RECORDED_KEYS.join(', ')} or a "_" prefix`);
    }
    if (v !== null && typeof v !== 'string') throw new Error(`configToJson: extra key "${k}" must be a string or null`);
    out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------- command line

/** One option of `synthgrad train`. */
export interface TrainFlag {
  /** The long option, e.g. `--lr`. */
  flag: string;
  /** The value placeholder, e.g. `<number>`; null for a switch without a value. */
  arg: string | null;
  /** Commander's flag string: `--lr <number>`, `--tied`, `--no-train-in-real`. */
  spec: string;
  /** Commander's attribute name for the value in `opts()`: `lr`, `sgScale`, `trainInReal`. */
  attr: string;
  /** The config key path the option sets. */
  key: string;
  /** Text → value (throws ConfigError naming the flag). Called by applyFlags on string values. */
  parse: (text: string) => unknown;
  help: string;
  /** The allowed values, for options with a fixed set. */
  choices?: readonly string[];
}

function flagError(flag: string, key: string, text: string, what: string): ConfigError {
  return new ConfigError(`option ${flag}: ${showValue(text)} is not ${what}`, key, flag);
}

const INT_RE = /^[+-]?\d+$/;

function parseNum(flag: string, key: string, text: string): number {
  const t = text.trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n)) throw flagError(flag, key, text, 'a number');
  return n;
}

function parseInt10(flag: string, key: string, text: string): number {
  const t = text.trim();
  if (!INT_RE.test(t) || !Number.isSafeInteger(Number(t))) throw flagError(flag, key, text, 'an integer');
  return Number(t);
}

function parseIntList(flag: string, key: string, text: string): number[] {
  const parts = text.split(',');
  if (parts.some((p) => !INT_RE.test(p.trim()) || !Number.isSafeInteger(Number(p.trim())))) {
    throw flagError(flag, key, text, 'a comma-separated list of integers');
  }
  return parts.map((p) => Number(p.trim()));
}

type Kind = 'int' | 'num' | 'str' | 'path' | 'bool' | 'no-bool' | 'intList' | 'oneOrList'
  | 'split' | 'numOrNone' | 'intOrNone';

function makeFlag(flag: string, key: string, kind: Kind, help: string, opts: { choices?: readonly string[]; none?: string } = {}): TrainFlag {
  const { choices } = opts;
  const none = opts.none ?? 'none';
  const name = flag.slice(2);
  const attrBase = kind === 'no-bool' ? name.slice(3) : name;
  const attr = attrBase.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const placeholders: Record<Kind, string | null> = {
    int: '<n>', num: '<x>', str: '<value>', path: '<path>', bool: null, 'no-bool': null, intList: '<n,n,...>',
    oneOrList: '<n[,n,...]>', split: '<valid,test|none>', numOrNone: `<x|${none}>`, intOrNone: `<n|${none}>`,
  };
  const arg = placeholders[kind] === null ? null : choices ? `<${choices.join('|')}>` : placeholders[kind];
  const parse = (text: string): unknown => {
    switch (kind) {
      case 'int': return parseInt10(flag, key, text);
      case 'num': return parseNum(flag, key, text);
      case 'path': return text;
      case 'str': {
        if (choices && !choices.includes(text)) {
          throw flagError(flag, key, text, `one of ${choices.map((c) => `"${c}"`).join(', ')}`);
        }
        return text;
      }
      case 'bool':
      case 'no-bool': {
        const t = text.trim().toLowerCase();
        if (t === 'true') return true;
        if (t === 'false') return false;
        throw flagError(flag, key, text, 'true or false');
      }
      case 'intList': return parseIntList(flag, key, text);
      case 'oneOrList': {
        const l = parseIntList(flag, key, text);
        return l.length === 1 && !text.includes(',') ? l[0] : l;
      }
      case 'split': {
        const t = text.trim();
        if (t === 'none' || t === 'null') return null;
        const parts = t.split(',');
        const nums = parts.map((p) => Number(p.trim()));
        if (parts.length !== 2 || parts.some((p) => p.trim() === '') || !nums.every(Number.isFinite)) {
          throw flagError(flag, key, text, 'two comma-separated fractions "valid,test" (e.g. "0.05,0.05") or "none"');
        }
        return { valid: nums[0], test: nums[1] };
      }
      case 'numOrNone': return text.trim() === none ? null : parseNum(flag, key, text);
      case 'intOrNone': return text.trim() === none ? null : parseInt10(flag, key, text);
    }
  };
  const spec = arg === null ? flag : `${flag} ${arg}`;
  return { flag, arg, spec, attr, key, parse, help, ...(choices ? { choices } : {}) };
}

/** Every option of `synthgrad train`, in help order. */
export const TRAIN_FLAGS: readonly TrainFlag[] = [
  makeFlag('--task', 'task', 'str', 'the task', { choices: TASKS }),
  makeFlag('--data', 'data', 'path', 'charlm: a text file or a folder with train.txt [valid.txt, test.txt]; ' +
    'wordlm: a folder with train.txt, valid.txt, test.txt'),
  makeFlag('--split', 'split', 'split', 'charlm single file: held-out fractions "valid,test" (e.g. 0.05,0.05), ' +
    'or "none" for no split'),
  makeFlag('--embed', 'embed', 'int', 'embedding width d'),
  makeFlag('--hidden', 'hidden', 'oneOrList', 'LSTM width: one value (repeated over --layers) or one per layer'),
  makeFlag('--layers', 'layers', 'int', 'number of LSTM layers [length of --hidden, or 1]'),
  makeFlag('--tied', 'tied', 'bool', 'tie the decoder weight to the embedding (needs last hidden = embed)'),
  makeFlag('--batch', 'batch', 'int', 'batch size B'),
  makeFlag('--bptt', 'bptt', 'int', 'truncation length T'),
  makeFlag('--policy', 'policy.name', 'str', 'gradient-mode policy [bptt]',
    { choices: ['bptt', 'dni', 'alternating'] }),
  makeFlag('--warmup', 'policy.warmup', 'int', 'dni: real-gradient units before synthetic mode [0]'),
  makeFlag('--first-mode', 'policy.first_mode', 'str', 'alternating: mode of the first cycle [real]',
    { choices: ['real', 'synthetic'] }),
  makeFlag('--synth', 'synthesizer.kind', 'str', 'use a synthesizer of this kind [linear]',
    { choices: ['linear', 'mlp', 'elementwise'] }),
  makeFlag('--sg-scale', 'synthesizer.scale', 'num', 'synthetic-gradient scale lambda [0.1]'),
  makeFlag('--sg-lr', 'synthesizer.lr', 'num', 'synthesizer learning rate [1e-3]'),
  makeFlag('--synth-hidden', 'synthesizer.hidden', 'oneOrList', 'mlp synthesizer: hidden widths [2*sum(hidden)]'),
  makeFlag('--synth-units', 'synthesizer.units', 'int', 'elementwise synthesizer: GRU units m [50]'),
  makeFlag('--synth-noise', 'synthesizer.noise', 'num', 'elementwise synthesizer: input noise sigma [0.5]'),
  makeFlag('--no-train-in-real', 'synthesizer.train_in_real', 'no-bool',
    'do not train the synthesizer in real-gradient mode'),
  makeFlag('--optimizer', 'optimizer.name', 'str', 'model optimizer [adam]', { choices: ['adam', 'sgd'] }),
  makeFlag('--lr', 'optimizer.lr', 'num', 'model learning rate [1e-3]'),
  makeFlag('--lr-min', 'schedule.eta_min', 'num', 'warm restarts: eta_min [0]'),
  makeFlag('--lr-max', 'schedule.eta_max', 'num', 'warm restarts: eta_max [--lr]'),
  makeFlag('--weight-decay', 'optimizer.weight_decay', 'num', 'L2 weight decay [0]'),
  makeFlag('--momentum', 'optimizer.momentum', 'num', 'sgd momentum [0]'),
  makeFlag('--clip', 'clip', 'numOrNone', 'clip the gradient to this global L2 norm ("none" or 0: no clipping)'),
  makeFlag('--restart-t0', 'schedule.t0', 'int', 'warm restarts: length of the first cycle'),
  makeFlag('--restart-mult', 'schedule.t_mult', 'num', 'warm restarts: cycle length multiplier [1]'),
  makeFlag('--restart-cycles', 'schedule.cycles', 'intList', 'warm restarts: explicit cycle lengths (instead of t0/mult)'),
  makeFlag('--restart-unit', 'schedule.unit', 'str', 'warm restarts: cycles count epochs or steps [epoch]',
    { choices: ['epoch', 'step'] }),
  makeFlag('--fractional', 'schedule.fractional', 'bool', 'epoch unit: anneal per batch (u = epoch + chunk/C)'),
  makeFlag('--policy-unit', 'policy.unit', 'str', 'units of --warmup and mode switches [the schedule\'s unit, else epoch]',
    { choices: ['epoch', 'step'] }),
  makeFlag('--epochs', 'epochs', 'int', 'run this many whole epochs'),
  makeFlag('--steps', 'steps', 'int', 'run exactly this many optimizer steps'),
  makeFlag('--seed', 'seed', 'int', 'random seed [0]'),
  makeFlag('--init', 'init', 'path', 'initial weights from a safetensors file'),
  makeFlag('--init-range', 'init_range', 'num', 'random init from U(-r, r) [0.1]'),
  makeFlag('--eval-batch', 'eval.batch', 'int', 'evaluation batch size [10]'),
  makeFlag('--eval-every', 'eval.every', 'intOrNone', 'evaluate every N optimizer steps ["epoch": at the end of each epoch]',
    { none: 'epoch' }),
  makeFlag('--backend', 'backend', 'str', 'compute backend [cpu]', { choices: ['cpu', 'webgpu', 'auto'] }),
  makeFlag('--threads', 'threads', 'intOrNone', 'CPU threads; any count gives the same numbers ["auto": the logical CPUs, at most 8; 1: no worker threads]', { none: 'auto' }),
  makeFlag('--on-nan', 'on_nan', 'str', 'on a non-finite loss: stop the run or skip the step [stop]',
    { choices: ['stop', 'skip'] }),
  makeFlag('--copy-width', 'copy.width', 'int', 'copy tasks: bits per vector [8]'),
  makeFlag('--copy-min-length', 'copy.min_length', 'int', 'copy tasks: starting sequence length [1]'),
  makeFlag('--copy-max-length', 'copy.max_length', 'int', 'copy tasks: largest sequence length [20]'),
];

export interface ApplyFlagsOptions {
  /** Folder that command-line paths (--data, --init) are relative to; without it they are kept as given. */
  cwd?: string;
  path?: PathOps;
}

function cloneJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJson);
  if (isObj(v)) {
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, { value: cloneJson(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

/**
 * Merge command-line values over a config file's raw object (the command line
 * wins) and return the new raw object for resolveConfig; the input is not
 * changed. `flags` is commander's `opts()` (keys are TrainFlag.attr; the
 * option name without dashes, e.g. `sg-scale`, works too; other keys are
 * ignored). String values go through the option's parser; other values are
 * taken as parsed. Register options without commander defaults: an
 * undefined value means "not given"; for `--no-train-in-real` only `false`
 * counts as given (commander sets `true` by default).
 *
 * Giving --steps drops a file's `epochs` and vice versa; --restart-t0 drops
 * `schedule.cycles`, --restart-cycles drops `schedule.t0` (and `t_mult`
 * unless --restart-mult is given too); an option inside `schedule` or
 * `synthesizer` creates the section when the file has none (a new
 * synthesizer is linear unless --synth says otherwise). Errors in values
 * then found by resolveConfig name the option rather than the key.
 */
export function applyFlags(rawFromFile: object, flags: Record<string, unknown>, opts: ApplyFlagsOptions = {}): object {
  const out = (isObj(rawFromFile) ? cloneJson(rawFromFile) : {}) as Obj;
  const origin = new Map<string, string>(isObj(rawFromFile) ? FLAG_ORIGIN.get(rawFromFile) ?? [] : []);
  const paths = opts.path ?? posixPath;
  const given = new Set<string>();

  const set = (key: string, value: unknown, flag: string) => {
    const parts = key.split('.');
    let o: Obj = out;
    for (const p of parts.slice(0, -1)) {
      const cur = Object.hasOwn(o, p) ? o[p] : undefined;
      if (cur === undefined || cur === null) {
        const fresh: Obj = {};
        o[p] = fresh;
        o = fresh;
      } else if (isObj(cur)) {
        o = cur;
      } else {
        return; // the file's own value is wrong; resolveConfig reports it
      }
    }
    o[parts[parts.length - 1]!] = value;
    origin.set(key, flag);
  };
  const drop = (key: string) => {
    const parts = key.split('.');
    let o: unknown = out;
    for (const p of parts.slice(0, -1)) o = isObj(o) && Object.hasOwn(o, p) ? o[p] : undefined;
    if (isObj(o)) delete o[parts[parts.length - 1]!];
    origin.delete(key);
  };

  for (const f of TRAIN_FLAGS) {
    const name = f.flag.slice(2);
    let v = Object.hasOwn(flags, f.attr) ? flags[f.attr] : Object.hasOwn(flags, name) ? flags[name] : undefined;
    if (v === undefined) continue;
    if (typeof v === 'string') v = f.parse(v);
    if (f.arg === null && typeof v !== 'boolean') {
      throw new ConfigError(`option ${f.flag}: ${showValue(v)} is not true or false`, f.key, f.flag);
    }
    if (f.flag === '--no-train-in-real') {
      if (v === true) continue; // commander's implicit default for a negatable option
    }
    if ((f.key === 'data' || f.key === 'init') && typeof v === 'string' && opts.cwd !== undefined) {
      v = paths.resolve(opts.cwd, v);
    }
    set(f.key, v, f.flag);
    given.add(f.flag);
  }
  if (given.has('--steps') && !given.has('--epochs')) drop('epochs');
  if (given.has('--epochs') && !given.has('--steps')) drop('steps');
  if (given.has('--restart-t0') && !given.has('--restart-cycles')) drop('schedule.cycles');
  if (given.has('--restart-cycles') && !given.has('--restart-t0')) {
    drop('schedule.t0');
    if (!given.has('--restart-mult')) drop('schedule.t_mult');
  }
  FLAG_ORIGIN.set(out, origin);
  return out;
}
