import { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { applyFlags, TRAIN_FLAGS } from '../../src/train/config.js';
import { base, configError, resolve } from './config-helpers.js';

describe('command-line flags', () => {
  it('every option maps to a known key and has commander\'s attribute name', () => {
    const seen = new Set<string>();
    for (const f of TRAIN_FLAGS) {
      expect(seen.has(f.flag)).toBe(false);
      seen.add(f.flag);
      expect(new Option(f.spec, f.help).attributeName()).toBe(f.attr);
      expect(f.help.length).toBeGreaterThan(5);
      // An invalid value given through the option is reported under its key and option.
      if (f.arg === null) {
        // switches take true / false only
        expect(configError(() => applyFlags(base(), { [f.attr]: [[]] })).flag).toBe(f.flag);
        continue;
      }
      const merged = applyFlags(base(), { [f.attr]: [[]] });
      const e = configError(() => resolve(merged, 'command line'));
      expect(e.key).toBe(f.key);
      expect(e.flag).toBe(f.flag);
      expect(e.message).toMatch(new RegExp(`^option ${f.flag}: `));
    }
    const expected = ['--task', '--data', '--split', '--embed', '--hidden', '--layers', '--tied', '--batch', '--bptt',
      '--policy', '--warmup', '--first-mode', '--synth', '--sg-scale', '--sg-lr', '--synth-hidden', '--synth-units',
      '--synth-noise', '--no-train-in-real', '--train-at-reset', '--sg-normalize', '--sg-bound', '--sg-discount', '--sg-fit', '--sg-ridge', '--sg-memory', '--sg-refit-every', '--sg-average', '--sg-condition', '--sg-aux', '--optimizer', '--lr', '--lr-min', '--lr-max', '--weight-decay',
      '--momentum', '--clip', '--restart-t0', '--restart-mult', '--restart-cycles', '--restart-unit', '--fractional',
      '--policy-unit', '--epochs', '--steps', '--seed', '--init', '--init-range', '--eval-batch', '--eval-every',
      '--backend', '--threads', '--on-nan', '--copy-width', '--copy-min-length', '--copy-max-length', '--no-copy-stream',
      '--diagnose-every', '--diagnose-horizon'];
    expect([...seen].sort()).toEqual([...expected].sort());
  });

  it('parses values and names the option on a bad one', () => {
    expect(configError(() => applyFlags(base(), { lr: 'abc' })).message).toBe('option --lr: "abc" is not a number');
    expect(configError(() => applyFlags(base(), { embed: '1.5' })).message).toBe('option --embed: "1.5" is not an integer');
    expect(configError(() => applyFlags(base(), { hidden: '8,x' })).flag).toBe('--hidden');
    expect(configError(() => applyFlags(base(), { task: 'lm' })).message).toContain('option --task: "lm" is not one of');
    expect(configError(() => applyFlags(base(), { split: '0.1' })).flag).toBe('--split');
    expect(configError(() => applyFlags(base(), { tied: 'maybe' })).flag).toBe('--tied');
  });

  it('lets the command line win over the file', () => {
    const file = { ...base(), optimizer: { lr: 0.1, name: 'sgd' }, hidden: [8, 8], epochs: 3 };
    const merged = applyFlags(file, {
      lr: '0.01', hidden: '16,16,16', steps: '100', split: '0.05,0.1', seed: '7', clip: 'none', evalEvery: '50',
      threads: 'auto', tied: true, embed: '16',
    });
    const cfg = resolve(merged);
    expect(cfg.optimizer).toMatchObject({ name: 'sgd', lr: 0.01 });
    expect(cfg.hidden).toEqual([16, 16, 16]);
    expect(cfg.steps).toBe(100);
    expect(cfg.epochs).toBeNull();
    expect(cfg.split).toEqual({ valid: 0.05, test: 0.1 });
    expect(cfg.seed).toBe(7);
    expect(cfg.clip).toBeNull();
    expect(cfg.eval.every).toBe(50);
    expect(cfg.tied).toBe(true);
    // the input is untouched
    expect(file.epochs).toBe(3);
    expect(file.hidden).toEqual([8, 8]);
    // --epochs removes the file's steps
    expect(resolve(applyFlags({ ...base(), epochs: undefined, steps: 5 }, { epochs: '2' }))).toMatchObject({ steps: null, epochs: 2 });
    // both on the command line: an error naming an option
    expect(configError(() => resolve(applyFlags(base(), { epochs: '2', steps: '3' }))).message).toMatch(/^option --/);
  });

  it('one --hidden value is repeated over --layers; --split none is null', () => {
    const cfg = resolve(applyFlags(base(), { hidden: '24', layers: '2', split: 'none' }));
    expect(cfg.hidden).toEqual([24, 24]);
    expect(cfg.split).toBeNull();
  });

  it('creates a schedule and a synthesizer when needed', () => {
    const cfg = resolve(applyFlags(base(), { restartT0: '2', restartUnit: 'step', sgScale: '1', policy: 'alternating' }));
    expect(cfg.schedule).toMatchObject({ t0: 2, unit: 'step', eta_max: 3e-3 });
    expect(cfg.synthesizer).toMatchObject({ kind: 'linear', scale: 1 });
    expect(cfg.policy).toMatchObject({ name: 'alternating', unit: 'step' });
    const c2 = resolve(applyFlags({ ...base(), synthesizer: null, schedule: null }, { synth: 'mlp', synthHidden: '64', restartCycles: '1,2,4' }));
    expect(c2.synthesizer).toMatchObject({ kind: 'mlp', hidden: [64] });
    expect(c2.schedule).toMatchObject({ cycles: [1, 2, 4], t0: null });
  });

  it('--restart-t0 replaces a file\'s cycles and --restart-cycles its t0 and t_mult', () => {
    const a = resolve(applyFlags({ ...base(), schedule: { cycles: [1, 2] } }, { restartT0: '3' }));
    expect(a.schedule).toMatchObject({ t0: 3, cycles: null });
    const b = resolve(applyFlags({ ...base(), schedule: { t0: 1, t_mult: 2 } }, { restartCycles: '2,2' }));
    expect(b.schedule).toMatchObject({ t0: null, t_mult: 1, cycles: [2, 2] });
  });

  it('--no-train-in-real: commander\'s implicit true is not a value', () => {
    expect(resolve(applyFlags(base(), { trainInReal: true })).synthesizer).toBeNull();
    expect(resolve(applyFlags(base(), { trainInReal: false })).synthesizer).toMatchObject({ kind: 'linear', train_in_real: false });
  });

  it('works with commander end to end', async () => {
    const { Command } = await import('commander');
    const cmd = new Command().exitOverride();
    for (const f of TRAIN_FLAGS) cmd.option(f.spec, f.help);
    cmd.parse(['--task', 'charlm', '--data', 'in.txt', '--embed', '8', '--hidden', '8', '--batch', '2', '--bptt', '4',
      '--steps', '10', '--policy', 'dni', '--warmup', '3', '--sg-lr', '0.01', '--tied', '--restart-t0', '2',
      '--lr-min', '0.0001', '--fractional'], { from: 'user' });
    const cfg = resolve(applyFlags({}, cmd.opts(), { cwd: '/tmp/here' }), 'command line');
    expect(cfg).toMatchObject({
      data: '/tmp/here/in.txt', tied: true, steps: 10, policy: { name: 'dni', warmup: 3, unit: 'epoch' },
      synthesizer: { kind: 'linear', lr: 0.01, train_in_real: true },
      schedule: { t0: 2, eta_min: 0.0001, fractional: true },
    });
  });

  it('errors in flag-given values name the option', () => {
    const e = configError(() => resolve(applyFlags(base(), { lr: '-1' }), 'command line'));
    expect(e.message).toBe('option --lr: -1 is not allowed: expected a number > 0 (config key "optimizer.lr")');
    expect(e.key).toBe('optimizer.lr');
    const m = configError(() => resolve(applyFlags({}, { task: 'wordlm', hidden: '8' }), 'command line'));
    expect(m.message).toBe('command line: config key "data" is missing: expected a folder with train.txt, valid.txt, test.txt ' +
      '(in the config file, or with --data)');
  });

  it('keeps command-line paths as given without cwd and resolves them with it', () => {
    expect(resolve(applyFlags(base(), { data: 'd.txt' })).data).toBe('/home/u/exp/d.txt');
    expect(resolve(applyFlags(base(), { data: 'd.txt', init: '../w.st' }, { cwd: '/c' }))).toMatchObject({
      data: '/c/d.txt', init: '/w.st',
    });
  });
});
