import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFlags, ConfigError, configToJson, posixPath, resolveConfig, TRAIN_FLAGS, type RunConfig } from '../../src/train/config.js';
import { base, configError, resolve, setPath, withKey } from './config-helpers.js';

describe('resolveConfig: defaults', () => {
  it('fills every default of a minimal charlm config', () => {
    const cfg = resolve(base());
    const expected: RunConfig = {
      task: 'charlm', data: '/home/u/exp/input.txt', split: null, embed: 16, hidden: [32], layers: 1, tied: false,
      batch: 4, bptt: 8,
      optimizer: { name: 'adam', lr: 3e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, momentum: 0 },
      clip: 1, schedule: null, policy: { name: 'bptt', warmup: 0, first_mode: 'real', unit: 'epoch' },
      synthesizer: null, steps: null, epochs: 1, backend: 'cpu', seed: 0, init_range: 0.1, init: null,
      eval: { batch: 10, every: null },
      diagnostics: { every: null, horizon: 4 },
      copy: { width: 8, min_length: 1, max_length: 20, repeats_max: 1, threshold: 0.15, sequences: 100, stream: true },
      threads: null, on_nan: 'stop',
    };
    expect(cfg).toEqual(expected);
  });

  it('a config that gives no sizes or run length: the chosen defaults (docs/config.md)', () => {
    expect(resolve({ data: 'input.txt' })).toMatchObject({
      task: 'charlm', embed: 64, hidden: [128], layers: 1, batch: 32, bptt: 64,
      optimizer: { lr: 3e-3 }, clip: 1, steps: null, epochs: 1,
    });
    expect(resolve({ data: 'input.txt', layers: 2 }).hidden).toEqual([128, 128]);
    expect(resolve({ task: 'wordlm', data: 'ptb', steps: 5 })).toMatchObject({ embed: 64, hidden: [128], steps: 5, epochs: null });
    expect(resolve({ data: 'input.txt', epochs: 3 })).toMatchObject({ steps: null, epochs: 3 });
    for (const task of ['copy', 'repeat-copy']) {
      expect(resolve({ task })).toMatchObject({ embed: 64, hidden: [64], batch: 16, bptt: 8, steps: 3000, epochs: null });
      expect(resolve({ task, epochs: 2 })).toMatchObject({ steps: null, epochs: 2 });
    }
  });

  it('fills schedule, policy and synthesizer defaults', () => {
    const cfg = resolve({
      ...base(), hidden: [32, 24], optimizer: { lr: 0.003 }, schedule: { t0: 2, unit: 'step' },
      policy: { name: 'alternating' }, synthesizer: { kind: 'mlp' },
    });
    expect(cfg.layers).toBe(2);
    expect(cfg.schedule).toEqual({ eta_max: 0.003, eta_min: 0, t0: 2, t_mult: 1, cycles: null, unit: 'step', fractional: false });
    expect(cfg.policy).toEqual({ name: 'alternating', warmup: 0, first_mode: 'real', unit: 'step' });
    expect(cfg.synthesizer).toEqual({
      kind: 'mlp', scale: 0.1, lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0,
      hidden: [2 * (32 + 24)], units: 50, noise: 0.5, train_in_real: true, train_at_reset: false, normalize: 'popart', bound: null, discount: null, condition: 0, aux: 0,
      fit: 'adam', ridge: 0.01, memory: 1000, refit_every: 1, average: 0,
    });
  });

  it('repeats one hidden width over the layers', () => {
    const cfg = resolve({ ...base(), hidden: 32, layers: 3 });
    expect(cfg.hidden).toEqual([32, 32, 32]);
    expect(cfg.layers).toBe(3);
  });

  it('copy tasks: no data, embed and copy defaults', () => {
    const c = resolve({ task: 'copy', hidden: 64, batch: 8, bptt: 5, steps: 100 });
    expect(c.data).toBeNull();
    expect(c.embed).toBe(64);
    expect(c.copy).toEqual({ width: 8, min_length: 1, max_length: 20, repeats_max: 1, threshold: 0.15, sequences: 100, stream: true });
    const r = resolve({ task: 'repeat-copy', hidden: 64, batch: 8, bptt: 5, steps: 100, copy: { width: 4 } });
    expect(r.copy.repeats_max).toBe(10);
    expect(r.copy.width).toBe(4);
  });

  it('resolves paths against baseDir and keeps absolute ones', () => {
    expect(resolve({ ...base(), data: '../data/tiny.txt', init: 'w/init.safetensors' })).toMatchObject({
      data: '/home/u/data/tiny.txt', init: '/home/u/exp/w/init.safetensors',
    });
    expect(resolve({ ...base(), data: '/abs/x.txt' }).data).toBe('/abs/x.txt');
  });

  it('clip 0 means no clipping; split fills missing fractions with 0', () => {
    expect(resolve({ ...base(), clip: 0 }).clip).toBeNull();
    expect(resolve({ ...base(), clip: 0.25 }).clip).toBe(0.25);
    expect(resolve({ ...base(), split: { valid: 0.1 } }).split).toEqual({ valid: 0.1, test: 0 });
    expect(resolve({ ...base(), split: null }).split).toBeNull();
  });

  it('ignores keys starting with _ at every level, and recorded-only keys', () => {
    const cfg = resolve({
      _comment: 'hello', ...base(), optimizer: { _note: 1, lr: 0.01 }, schedule: { t0: 1, _x: [1] },
      copy: { _why: null }, backend_used: 'cpu', adapter: null, kernels: 'wasm-simd-fma',
    });
    expect(cfg.optimizer.lr).toBe(0.01);
    expect(cfg).not.toHaveProperty('_comment');
    expect(cfg).not.toHaveProperty('backend_used');
    expect(cfg).not.toHaveProperty('kernels');
  });

  it('treats an undefined value as absent', () => {
    expect(resolve({ ...base(), seed: undefined }).seed).toBe(0);
  });
});

describe('resolveConfig: validation', () => {
  // [key path expected in the error, raw config]
  const cases: [string, Record<string, unknown>][] = [
    ['task', withKey('task', null)],
    ['task', withKey('task', 'lm')],
    ['data', { ...base(), data: undefined }],
    ['data', { ...base(), task: 'wordlm', data: null }],
    ['data', withKey('data', '')],
    ['data', withKey('data', 3)],
    ['data', { task: 'copy', hidden: 8, batch: 2, bptt: 4, steps: 1, data: 'x.txt' }],
    ['split', { ...base(), task: 'wordlm', split: { valid: 0.1, test: 0.1 } }],
    ['split', withKey('split', { valid: 0.5, test: 0.5 })],
    ['split', withKey('split', [0.1, 0.1])],
    ['split.valid', withKey('split', { valid: -0.1 })],
    ['split.test', withKey('split', { test: '0.1' })],
    ['split.tests', withKey('split', { tests: 0.1 })],
    ['embed', withKey('embed', null)],
    ['embed', withKey('embed', 0)],
    ['embed', withKey('embed', 1.5)],
    ['embed', withKey('embed', '16')],
    ['embed', { task: 'copy', hidden: 8, batch: 2, bptt: 4, steps: 1, embed: 4 }],
    ['hidden', withKey('hidden', null)],
    ['hidden', withKey('hidden', 0)],
    ['hidden', withKey('hidden', [])],
    ['hidden', withKey('hidden', [16, 0])],
    ['hidden', withKey('hidden', '32')],
    ['layers', withKey('layers', 0)],
    ['layers', { ...base(), hidden: [16, 16], layers: 3 }],
    ['tied', withKey('tied', true)],
    ['tied', withKey('tied', 'yes')],
    ['tied', { task: 'copy', hidden: 8, batch: 2, bptt: 4, steps: 1, tied: true }],
    ['batch', withKey('batch', 0)],
    ['batch', withKey('batch', null)],
    ['bptt', withKey('bptt', -1)],
    ['optimizer', withKey('optimizer', 'adam')],
    ['optimizer', withKey('optimizer', null)],
    ['optimizer.name', withKey('optimizer.name', 'rmsprop')],
    ['optimizer.lr', withKey('optimizer.lr', -1)],
    ['optimizer.lr', withKey('optimizer.lr', 0)],
    ['optimizer.lr', withKey('optimizer.lr', null)],
    ['optimizer.betas', withKey('optimizer.betas', [1, 0.9])],
    ['optimizer.betas', withKey('optimizer.betas', [0.9])],
    ['optimizer.betas', withKey('optimizer.betas', [-0.1, 0.9])],
    ['optimizer.eps', withKey('optimizer.eps', 0)],
    ['optimizer.weight_decay', withKey('optimizer.weight_decay', -1)],
    ['optimizer.momentum', { ...base(), optimizer: { name: 'sgd', momentum: 1 } }],
    ['optimizer.momentum', { ...base(), optimizer: { name: 'sgd', momentum: -0.5 } }],
    ['clip', withKey('clip', -1)],
    ['clip', withKey('clip', 'none')],
    ['schedule', withKey('schedule', 5)],
    ['schedule.t0', withKey('schedule', {})],
    ['schedule.t0', withKey('schedule', { t0: 0 })],
    ['schedule.t0', withKey('schedule', { t0: 1.5 })],
    ['schedule.cycles', withKey('schedule', { t0: 1, cycles: [1, 2] })],
    ['schedule.cycles', withKey('schedule', { cycles: [1, 0] })],
    ['schedule.cycles', withKey('schedule', { cycles: [] })],
    ['schedule.t_mult', withKey('schedule', { t0: 1, t_mult: 0.5 })],
    ['schedule.eta_min', withKey('schedule', { t0: 1, eta_min: 0.01 })],
    ['schedule.eta_min', withKey('schedule', { t0: 1, eta_min: -1 })],
    ['schedule.eta_max', withKey('schedule', { t0: 1, eta_max: 0 })],
    ['schedule.unit', withKey('schedule', { t0: 1, unit: 'batch' })],
    ['schedule.fractional', withKey('schedule', { t0: 1, fractional: 1 })],
    ['policy', withKey('policy', 'dni')],
    ['policy.name', withKey('policy', { name: 'dni' })],
    ['policy.name', withKey('policy', { name: 'nope' })],
    ['policy.name', { ...base(), policy: { name: 'alternating' }, synthesizer: {} }],
    ['policy.unit', { ...base(), policy: { name: 'alternating', unit: 'epoch' }, synthesizer: {}, schedule: { t0: 1, unit: 'step' } }],
    ['policy.unit', withKey('policy', { unit: 'day' })],
    ['policy.warmup', { ...base(), policy: { name: 'dni', warmup: -1 }, synthesizer: {} }],
    ['policy.warmup', { ...base(), policy: { name: 'dni', warmup: 0.5 }, synthesizer: {} }],
    ['policy.first_mode', withKey('policy', { first_mode: 'fake' })],
    ['synthesizer', withKey('synthesizer', 'linear')],
    ['synthesizer.kind', withKey('synthesizer', { kind: 'conv' })],
    ['synthesizer.scale', withKey('synthesizer', { scale: -1 })],
    ['synthesizer.lr', withKey('synthesizer', { lr: 0 })],
    ['synthesizer.betas', withKey('synthesizer', { betas: [0.9, 1] })],
    ['synthesizer.eps', withKey('synthesizer', { eps: -1 })],
    ['synthesizer.weight_decay', withKey('synthesizer', { weight_decay: -1 })],
    ['synthesizer.hidden', withKey('synthesizer', { kind: 'mlp', hidden: [0] })],
    ['synthesizer.hidden', withKey('synthesizer', { kind: 'mlp', hidden: [] })],
    ['synthesizer.hidden', withKey('synthesizer', { kind: 'mlp', hidden: [10, 2.5] })],
    ['synthesizer.units', withKey('synthesizer', { kind: 'elementwise', units: 0 })],
    ['synthesizer.noise', withKey('synthesizer', { kind: 'elementwise', noise: -0.1 })],
    ['synthesizer.train_in_real', withKey('synthesizer', { train_in_real: 'no' })],
    ['steps', withKey('epochs', null)],
    ['steps', { ...base(), steps: 10 }],
    ['steps', withKey('steps', 0)],
    ['epochs', withKey('epochs', 1.5)],
    ['backend', withKey('backend', 'gpu')],
    ['seed', withKey('seed', -1)],
    ['seed', withKey('seed', 2 ** 32)],
    ['seed', withKey('seed', 1.5)],
    ['init_range', withKey('init_range', -0.1)],
    ['init', withKey('init', 5)],
    ['eval', withKey('eval', 10)],
    ['eval.batch', withKey('eval.batch', 0)],
    ['eval.every', withKey('eval.every', 0)],
    ['eval.every', withKey('eval.every', 'epoch')],
    ['copy.min_length', { task: 'copy', hidden: 8, batch: 2, bptt: 4, steps: 1, copy: { min_length: 5, max_length: 4 } }],
    ['copy.width', { task: 'copy', hidden: 8, batch: 2, bptt: 4, steps: 1, copy: { width: 0 } }],
    ['copy.threshold', { task: 'copy', hidden: 8, batch: 2, bptt: 4, steps: 1, copy: { threshold: 0 } }],
    ['copy.sequences', { task: 'copy', hidden: 8, batch: 2, bptt: 4, steps: 1, copy: { sequences: 0 } }],
    ['copy.repeats_max', { task: 'copy', hidden: 8, batch: 2, bptt: 4, steps: 1, copy: { repeats_max: 3 } }],
    ['copy.repeats_max', { task: 'repeat-copy', hidden: 8, batch: 2, bptt: 4, steps: 1, copy: { repeats_max: 0 } }],
    ['copy.width', withKey('copy.width', 10)],
    ['threads', withKey('threads', 0)],
    ['threads', withKey('threads', 'auto')],
    ['on_nan', withKey('on_nan', 'ignore')],
    ['backend_used', withKey('backend_used', 5)],
    ['adapter', withKey('adapter', {})],
    ['kernels', withKey('kernels', 1)],
  ];

  it.each(cases.map(([k, raw], i) => [i, k, raw] as const))('case %i: %s', (_i, key, raw) => {
    const e = configError(() => resolve(raw));
    expect(e.key).toBe(key);
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`"${key}"`);
    expect(e.message).toMatch(/^run\.json: /);
  });

  it('names the key, the value and what is allowed', () => {
    const e = configError(() => resolve(withKey('optimizer.lr', -1)));
    expect(e.message).toBe('run.json: config key "optimizer.lr": -1 is not allowed: expected a number > 0');
    expect(configError(() => resolve(withKey('backend', 'gpu'))).message)
      .toBe('run.json: config key "backend": "gpu" is not allowed: expected one of "cpu", "webgpu", "auto"');
  });

  it('says to give steps or epochs when both are null', () => {
    const e = configError(() => resolve({ ...base(), epochs: null }));
    expect(e.message).toContain('"steps"');
    expect(e.message).toContain('"epochs"');
    expect(configError(() => resolve({ ...base(), steps: 5 })).message).toMatch(/both given: give one/);
  });

  it('rejects a non-object configuration', () => {
    for (const raw of [null, 3, 'x', [1], true]) {
      const e = configError(() => resolve(raw));
      expect(e.key).toBeUndefined();
      expect(e.message).toContain('must be a JSON object');
    }
  });

  it('reports unknown keys with the closest known key', () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...base(), hiden: 32 }, 'hiden', 'hidden'],
      [{ ...base(), optimizer: { lrr: 0.1 } }, 'optimizer.lrr', 'optimizer.lr'],
      [{ ...base(), optimizer: { weightDecay: 0.1 } }, 'optimizer.weightDecay', 'optimizer.weight_decay'],
      [{ ...base(), initRange: 0.1 }, 'initRange', 'init_range'],
      [{ ...base(), lr: 0.1 }, 'lr', 'optimizer.lr'],
      [{ ...base(), restart_t0: 1 }, 'restart_t0', 'schedule.t0'],
      [{ ...base(), schedule: { t0: 1, tmult: 2 } }, 'schedule.tmult', 'schedule.t_mult'],
      [{ ...base(), synthesizer: { knd: 'mlp' } }, 'synthesizer.knd', 'synthesizer.kind'],
      [{ ...base(), eval: { evry: 3 } }, 'eval.evry', 'eval.every'],
      [{ ...base(), embedding: 3 }, 'embedding', 'embed'],
    ];
    for (const [raw, key, suggestion] of cases) {
      const e = configError(() => resolve(raw));
      expect(e.key).toBe(key);
      expect(e.message).toContain(`unknown config key "${key}"`);
      expect(e.message).toContain(`did you mean "${suggestion}"?`);
    }
    const far = configError(() => resolve({ ...base(), zzzzzzzzzz: 1 }));
    expect(far.message).toContain('known keys here:');
  });

  it('an own "__proto__" key starts with "_": a comment, ignored without harm', () => {
    const raw = JSON.parse('{"task":"charlm","data":"a","embed":4,"hidden":4,"batch":1,"bptt":1,"epochs":1,"__proto__":{"seed":5}}');
    expect(resolve(raw).seed).toBe(0);
    expect(({} as Record<string, unknown>)['seed']).toBeUndefined();
  });
});

describe('configToJson', () => {
  const rich = {
    task: 'charlm', data: 'corpus/', split: { valid: 0.05, test: 0.05 }, embed: 32, hidden: [32, 32], tied: true,
    batch: 8, bptt: 16, optimizer: { name: 'sgd', lr: 0.5, momentum: 0.9, weight_decay: 1e-5 }, clip: 0.25,
    schedule: { cycles: [1, 2], eta_min: 0.01 }, policy: { name: 'alternating', first_mode: 'synthetic' },
    synthesizer: { kind: 'elementwise', units: 20, noise: 0.1 }, steps: 500, init: 'init.safetensors', seed: 42,
    eval: { every: 100, batch: 5 }, threads: 2, on_nan: 'skip', backend: 'auto',
  };

  it('writes paths relative to the run directory and reads back to the same config', () => {
    const cfg = resolve(rich);
    const json = configToJson(cfg, '/home/u/exp/runs/r1', { backend_used: 'cpu', adapter: null, _note: 'x' });
    expect(json).toMatchObject({ data: '../../corpus', init: '../../init.safetensors', backend_used: 'cpu', adapter: null });
    expect(json).not.toHaveProperty('copy');
    // every setting is written, those that do not apply (Adam's betas with SGD) as their defaults
    expect((json as { optimizer: object }).optimizer).toEqual({ name: 'sgd', lr: 0.5, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 1e-5, momentum: 0.9 });
    expect((json as { policy: object }).policy).toEqual({ name: 'alternating', warmup: 0, first_mode: 'synthetic', unit: 'epoch' });
    const back = resolveConfig(JSON.parse(JSON.stringify(json)), { baseDir: '/home/u/exp/runs/r1', source: 'config.json' });
    expect(back).toEqual(cfg);
  });

  it('round-trips a copy task and the defaults', () => {
    for (const raw of [base(), { task: 'repeat-copy', hidden: [16], batch: 2, bptt: 3, epochs: 2, copy: { max_length: 9 } },
      { task: 'copy', hidden: 8, batch: 2, bptt: 4, steps: 1, synthesizer: { kind: 'mlp', hidden: 12 }, policy: { name: 'dni', warmup: 4 } }]) {
      const cfg = resolve(raw);
      const json = JSON.parse(JSON.stringify(configToJson(cfg, '/run')));
      expect(resolveConfig(json, { baseDir: '/run', source: 'config.json' })).toEqual(cfg);
    }
  });

  it('refuses extra keys that would not read back', () => {
    expect(() => configToJson(resolve(base()), '/r', { started: 1 })).toThrow(/would not read back/);
  });
});

describe('posixPath', () => {
  it('resolves and relativises', () => {
    expect(posixPath.resolve('/a/b', '../c/./d')).toBe('/a/c/d');
    expect(posixPath.resolve('/a', '/x/../y')).toBe('/x/../y');
    expect(posixPath.resolve('rel', 'x')).toBe('rel/x');
    expect(posixPath.relative('/a/b', '/a/c/d')).toBe('../c/d');
    expect(posixPath.relative('/a/b', '/a/b')).toBe('.');
    expect(posixPath.relative('/a', '/a/b/c')).toBe('b/c');
    expect(posixPath.relative('/a', 'rel')).toBe('rel');
  });
  it('relative then resolve gives back the path', () => {
    const seg = fc.constantFrom('a', 'b', 'cc', '..', '.');
    const abs = fc.array(seg, { maxLength: 5 }).map((s) => `/${s.join('/')}`);
    const norm = (p: string) => posixPath.resolve('/', `.${p}`);
    fc.assert(fc.property(abs, abs, (from, to) => {
      expect(posixPath.resolve(from, posixPath.relative(from, norm(to)))).toBe(norm(to));
    }));
  });
});

// ------------------------------------------------------------------ properties

const KEY_PATHS = [
  'task', 'data', 'split', 'split.valid', 'split.test', 'embed', 'hidden', 'layers', 'tied', 'batch', 'bptt',
  'optimizer', 'optimizer.name', 'optimizer.lr', 'optimizer.betas', 'optimizer.eps', 'optimizer.weight_decay',
  'optimizer.momentum', 'clip', 'schedule', 'schedule.eta_max', 'schedule.eta_min', 'schedule.t0', 'schedule.t_mult',
  'schedule.cycles', 'schedule.unit', 'schedule.fractional', 'policy', 'policy.name', 'policy.warmup',
  'policy.first_mode', 'policy.unit', 'synthesizer', 'synthesizer.kind', 'synthesizer.scale', 'synthesizer.lr',
  'synthesizer.betas', 'synthesizer.eps', 'synthesizer.weight_decay', 'synthesizer.hidden', 'synthesizer.units',
  'synthesizer.noise', 'synthesizer.train_in_real', 'steps', 'epochs', 'backend', 'seed', 'init_range', 'init',
  'eval', 'eval.batch', 'eval.every', 'copy', 'copy.width', 'copy.min_length', 'copy.max_length',
  'copy.repeats_max', 'copy.threshold', 'copy.sequences', 'copy.stream', 'threads', 'on_nan', 'backend_used', 'adapter',
];

const BASES: Record<string, unknown>[] = [
  base(),
  { ...base(), hidden: [16, 16], schedule: { t0: 1, unit: 'step' }, policy: { name: 'alternating' }, synthesizer: { kind: 'mlp' } },
  { task: 'repeat-copy', hidden: 8, batch: 2, bptt: 4, steps: 3, synthesizer: { kind: 'elementwise' }, policy: { name: 'dni', warmup: 1 } },
];

/** Interesting values: random JSON plus values near the boundaries. */
const jsonish = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(0, -0, -1, 1, 0.5, 1.5, 2 ** 32, 1e-9, null, true, '', 'epoch', 'step', 'mlp', 'dni', [], {}, [1], [0.9, 0.999]),
);

describe('properties', () => {
  it('random values at random key paths resolve or throw a ConfigError', () => {
    fc.assert(fc.property(
      fc.constantFrom(...BASES), fc.array(fc.tuple(fc.oneof(fc.constantFrom(...KEY_PATHS), fc.string()), jsonish), { minLength: 1, maxLength: 4 }),
      (start, edits) => {
        const raw = structuredClone(start);
        for (const [p, v] of edits) setPath(raw, p, v);
        try {
          const cfg = resolve(raw);
          // whatever resolves, round-trips
          const json = JSON.parse(JSON.stringify(configToJson(cfg, '/home/u/exp/run')));
          expect(resolveConfig(json, { baseDir: '/home/u/exp/run', source: 'config.json' })).toEqual(cfg);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          expect(e.message.length).toBeGreaterThan(10);
        }
      },
    ), { numRuns: 3000 });
  });

  it('random raw values never throw anything but ConfigError', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...KEY_PATHS), fc.jsonValue())), (raw) => {
      try {
        resolve(raw);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
      }
    }), { numRuns: 1000 });
  });

  it('random command-line values never throw anything but ConfigError', () => {
    const flag = fc.constantFrom(...TRAIN_FLAGS);
    fc.assert(fc.property(fc.array(fc.tuple(flag, fc.oneof(fc.string(), fc.constantFrom('1', '0', '0.5', 'none', 'epoch', 'auto', '1,2', 'dni', 'step'))), { maxLength: 5 }), (pairs) => {
      const flags: Record<string, unknown> = {};
      for (const [f, v] of pairs) flags[f.attr] = f.arg === null ? v.length % 2 === 0 : v;
      try {
        resolve(applyFlags(base(), flags), 'command line');
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
      }
    }), { numRuns: 1000 });
  });

  const validConfig = fc.record({
    task: fc.constantFrom('charlm', 'wordlm', 'copy', 'repeat-copy'),
    hidden: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 3 })),
    embed: fc.integer({ min: 1, max: 64 }),
    batch: fc.integer({ min: 1, max: 32 }),
    bptt: fc.integer({ min: 1, max: 50 }),
    len: fc.oneof(fc.record({ steps: fc.integer({ min: 1, max: 1e6 }) }), fc.record({ epochs: fc.integer({ min: 1, max: 100 }) })),
    optimizer: fc.oneof(
      fc.record({ name: fc.constant('adam'), lr: fc.double({ min: 1e-6, max: 1, noNaN: true }), betas: fc.tuple(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true })) }, { requiredKeys: ['name'] }),
      fc.record({ name: fc.constant('sgd'), lr: fc.double({ min: 1e-6, max: 10, noNaN: true }), momentum: fc.double({ min: 0, max: 0.99, noNaN: true }), weight_decay: fc.double({ min: 0, max: 0.1, noNaN: true }) }, { requiredKeys: ['name'] }),
    ),
    schedule: fc.option(fc.record({
      t: fc.oneof(fc.record({ t0: fc.integer({ min: 1, max: 10 }), t_mult: fc.double({ min: 1, max: 3, noNaN: true }) }, { requiredKeys: ['t0'] }),
        fc.record({ cycles: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 4 }) })),
      unit: fc.constantFrom('epoch', 'step'),
      eta_min: fc.double({ min: 0, max: 1e-6, noNaN: true }),
    }, { requiredKeys: ['t'] })),
    policy: fc.constantFrom('bptt', 'dni', 'alternating'),
    warmup: fc.integer({ min: 0, max: 10 }),
    synth: fc.option(fc.constantFrom('linear', 'mlp', 'elementwise')),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    clip: fc.option(fc.double({ min: 0, max: 10, noNaN: true })),
  }).map((r) => {
    const raw: Record<string, unknown> = { task: r.task, hidden: r.hidden, batch: r.batch, bptt: r.bptt, ...r.len, optimizer: r.optimizer, seed: r.seed, clip: r.clip };
    const lm = r.task === 'charlm' || r.task === 'wordlm';
    if (lm) { raw['embed'] = r.embed; raw['data'] = r.task === 'charlm' ? 'a.txt' : 'ptb'; }
    let schedule: Record<string, unknown> | null = null;
    if (r.schedule) schedule = { ...r.schedule.t, ...(r.schedule.unit ? { unit: r.schedule.unit } : {}), ...(r.schedule.eta_min !== undefined ? { eta_min: r.schedule.eta_min } : {}) };
    const policy = r.policy === 'alternating' && !schedule ? 'dni' : r.policy;
    raw['schedule'] = schedule;
    raw['policy'] = policy === 'dni' ? { name: policy, warmup: r.warmup } : { name: policy };
    raw['synthesizer'] = r.synth === null && policy === 'bptt' ? null : { kind: r.synth ?? 'linear' };
    return raw;
  });

  it('valid random configs resolve and round-trip through config.json', () => {
    fc.assert(fc.property(validConfig, (raw) => {
      const cfg = resolve(raw);
      expect(cfg.layers).toBe(cfg.hidden.length);
      const json = JSON.parse(JSON.stringify(configToJson(cfg, '/home/u/runs/x', { backend_used: 'cpu', adapter: 'none' })));
      expect(resolveConfig(json, { baseDir: '/home/u/runs/x', source: 'config.json' })).toEqual(cfg);
    }), { numRuns: 500 });
  });
});

describe('resolveConfig: settings that do not apply are accepted and ignored', () => {
  const ignored: [string, unknown][] = [
    ['optimizer.momentum', withKey('optimizer.momentum', 0.9)],
    ['optimizer.betas', { ...base(), optimizer: { name: 'sgd', betas: [0.8, 0.9] } }],
    ['schedule.t_mult', withKey('schedule', { cycles: [1], t_mult: 2 })],
    ['schedule.fractional', withKey('schedule', { t0: 1, unit: 'step', fractional: true })],
    ['policy.warmup', withKey('policy', { warmup: 3 })],
    ['policy.first_mode', { ...base(), policy: { name: 'dni', first_mode: 'synthetic' }, synthesizer: {} }],
    ['synthesizer.hidden', withKey('synthesizer', { kind: 'linear', hidden: [10] })],
    ['synthesizer.units', withKey('synthesizer', { kind: 'linear', units: 10 })],
    ['synthesizer.noise', withKey('synthesizer', { kind: 'mlp', noise: 0.1 })],
  ];
  it.each(ignored.map(([k, raw], i) => [i, k, raw] as const))('case %i: %s resolves to its default', (_i, key, raw) => {
    const cfg = resolveConfig(raw, { baseDir: '/runs', source: 'run.json' }) as unknown as Record<string, Record<string, unknown>>;
    const [section, name] = (key as string).split('.') as [string, string];
    const defaults: Record<string, unknown> = { momentum: 0, betas: [0.9, 0.999], t_mult: 1, fractional: false, warmup: 0, first_mode: 'real', units: 50, noise: 0.5 };
    if (name in defaults) expect(cfg[section]![name]).toEqual(defaults[name]);
    else expect(Array.isArray(cfg[section]![name])).toBe(true);
  });
});
