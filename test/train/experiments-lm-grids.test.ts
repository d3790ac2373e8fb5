// The grids of experiments/lm/ that docs/results.md reports: each expands into
// the runs the text describes (variants, truncations, seeds, schedule, split).
import { describe, expect, it } from 'vitest';
import { expandGrid, loadGrid } from '../../src/train/sweep.js';

const grid = (name: string) => expandGrid(loadGrid(`experiments/lm/${name}`));
const variant = (p: { name: string }) => p.name.split(',')[0];

describe('experiments/lm grids', () => {
  it('shang-zhang.json: 4 variants x T in {32, 8} x 3 seeds, one thread, the 5 %/5 % split', () => {
    const pts = grid('shang-zhang.json');
    expect(pts).toHaveLength(24);
    expect(new Set(pts.map(variant))).toEqual(new Set(['bptt', 'dni', 'alternating', 'bptt-sgdr']));
    expect(new Set(pts.map((p) => p.cfg.bptt))).toEqual(new Set([32, 8]));
    for (const p of pts) {
      expect([p.cfg.task, p.cfg.steps, p.cfg.threads, p.cfg.split]).toEqual(['charlm', 600, 1, { valid: 0.05, test: 0.05 }]);
      const v = variant(p);
      expect(p.cfg.policy.name).toBe(v === 'bptt-sgdr' ? 'bptt' : v);
      expect(p.cfg.synthesizer === null).toBe(v === 'bptt' || v === 'bptt-sgdr');
      // the alternation and its control share one schedule: restarts every 150 steps, 4 cycles in 600
      if (v === 'alternating' || v === 'bptt-sgdr') expect([p.cfg.schedule?.t0, p.cfg.schedule?.unit]).toEqual([150, 'step']);
      else expect(p.cfg.schedule).toBeNull();
    }
  });

  it('issue13-done.json: H 256, B 32, T 32, 2 epochs, 3 seeds of bptt, dni and alternating; its SGDR control', () => {
    const pts = grid('issue13-done.json');
    expect(pts.map((p) => `${p.cfg.policy.name}:${p.cfg.seed}`).sort())
      .toEqual(['alternating:0', 'alternating:1', 'alternating:2', 'bptt:0', 'bptt:1', 'bptt:2', 'dni:0', 'dni:1', 'dni:2']);
    for (const p of pts) {
      expect([p.cfg.hidden, p.cfg.embed, p.cfg.batch, p.cfg.bptt, p.cfg.steps, p.cfg.epochs, p.cfg.optimizer.lr, p.cfg.clip, p.cfg.threads])
        .toEqual([[256], 64, 32, 32, null, 2, 0.003, 1, 1]);
      // the valid loss at 1,200 steps is read from the same run: an evaluation falls on step 1,200
      expect(1200 % p.cfg.eval.every!).toBe(0);
      const name = p.cfg.policy.name;
      expect(p.cfg.synthesizer === null).toBe(name === 'bptt');
      if (p.cfg.synthesizer) {
        // every synthesizer key at its default, as the criterion says
        expect(p.cfg.synthesizer).toMatchObject({ kind: 'linear', scale: 0.1, lr: 0.001, normalize: 'popart', discount: null, aux: 0 });
        expect(p.cfg.diagnostics.every).toBe(100);
      }
      if (name === 'dni') expect(p.cfg.policy).toMatchObject({ warmup: 300, unit: 'step' });
      if (name === 'alternating') expect([p.cfg.schedule?.t0, p.cfg.schedule?.unit]).toEqual([400, 'step']);
      else expect(p.cfg.schedule).toBeNull();
    }
    const control = grid('issue13-sgdr.json');
    expect(control.map((p) => `${p.cfg.policy.name}:${p.cfg.seed}`)).toEqual(['bptt:0', 'bptt:1', 'bptt:2']);
    const alt = pts.find((p) => p.cfg.policy.name === 'alternating')!;
    for (const p of control) {
      expect(p.cfg.schedule).toEqual(alt.cfg.schedule);
      expect([p.cfg.epochs, p.cfg.eval.every, p.cfg.synthesizer]).toEqual([2, 600, null]);
    }
  });

  it('condition.json: cDNI (condition 8) in issue13-done.json\'s setting, dni at λ 0.1 and 1, alternating at 0.1, 3 seeds', () => {
    const pts = grid('condition.json');
    expect(pts.map((p) => `${variant(p)}:${p.cfg.seed}`).sort()).toEqual(
      ['alternating-c8', 'dni-c8', 'dni-c8-lambda1'].flatMap((v) => [0, 1, 2].map((s) => `${v}:${s}`)).sort());
    const done = grid('issue13-done.json');
    const twin = (name: string) => done.find((p) => p.cfg.policy.name === name && p.cfg.seed === 0)!.cfg;
    for (const p of pts) {
      const v = variant(p)!, t = twin(p.cfg.policy.name);
      // the acceptance runs' setting and evaluation; only the synthesizer's condition (and λ) differ
      expect([p.cfg.hidden, p.cfg.embed, p.cfg.batch, p.cfg.bptt, p.cfg.epochs, p.cfg.optimizer, p.cfg.clip, p.cfg.eval, p.cfg.split, p.cfg.threads])
        .toEqual([t.hidden, t.embed, t.batch, t.bptt, t.epochs, t.optimizer, t.clip, t.eval, t.split, t.threads]);
      expect([p.cfg.policy, p.cfg.schedule, p.cfg.diagnostics]).toEqual([t.policy, t.schedule, t.diagnostics]);
      expect(p.cfg.synthesizer).toEqual({ ...t.synthesizer, condition: 8, scale: v === 'dni-c8-lambda1' ? 1 : 0.1 });
    }
  });

  it('condition-ridge.json: condition.json\'s setting with the ridge fit and condition 1, at λ 0.1 and at λ 1 with γ 0.1', () => {
    const pts = grid('condition-ridge.json');
    expect(pts.map((p) => `${variant(p)}:${p.cfg.seed}`).sort()).toEqual(
      ['dni-c1-ridge', 'dni-c1-ridge-lambda1'].flatMap((v) => [0, 1, 2].map((s) => `${v}:${s}`)).sort());
    const twin = grid('condition.json').find((p) => variant(p) === 'dni-c8' && p.cfg.seed === 0)!.cfg;
    for (const p of pts) {
      const { synthesizer, seed, ...rest } = p.cfg;
      const { synthesizer: twinSynth, seed: _s, ...twinRest } = twin;
      expect(rest).toEqual(twinRest);
      const lambda1 = variant(p) === 'dni-c1-ridge-lambda1';
      expect(synthesizer).toEqual({ ...twinSynth, condition: 1, fit: 'ridge', scale: lambda1 ? 1 : 0.1, discount: lambda1 ? 0.1 : null });
    }
  });

  it('condition-t8.json: ridge-short-truncation.json\'s T 8 setting, bptt and cDNI (condition 8) at λ 0.1, λ 1 and λ 1 with γ 0.1, seeds 0–5', () => {
    const pts = grid('condition-t8.json');
    const names = ['bptt', 'dni-c8', 'dni-c8-lambda1', 'dni-c8-lambda1-gamma0.1'];
    expect(pts.map((p) => `${variant(p)}:${p.cfg.seed}`).sort()).toEqual(names.flatMap((v) => [0, 1, 2, 3, 4, 5].map((s) => `${v}:${s}`)).sort());
    const twin = grid('ridge-short-truncation.json').find((p) => variant(p) === 'dni-adam' && p.cfg.seed === 0)!.cfg;
    for (const p of pts) {
      expect([p.cfg.hidden, p.cfg.embed, p.cfg.batch, p.cfg.bptt, p.cfg.steps, p.cfg.optimizer, p.cfg.clip, p.cfg.eval, p.cfg.split, p.cfg.threads])
        .toEqual([twin.hidden, twin.embed, twin.batch, 8, 2400, twin.optimizer, twin.clip, twin.eval, twin.split, twin.threads]);
      const v = variant(p)!;
      if (v === 'bptt') {
        expect([p.cfg.policy.name, p.cfg.synthesizer]).toEqual(['bptt', null]);
        continue;
      }
      expect([p.cfg.policy, p.cfg.diagnostics]).toEqual([twin.policy, twin.diagnostics]);
      const lambda = v === 'dni-c8' ? 0.1 : 1, gamma = v.endsWith('gamma0.1') ? 0.1 : null;
      expect(p.cfg.synthesizer).toEqual({ ...twin.synthesizer, condition: 8, scale: lambda, discount: gamma });
    }
  });

  it('issue13-lr-min.json: alternating and its bptt-sgdr control at eta_min 3e-4 and 1e-3, otherwise issue13-done.json', () => {
    const pts = grid('issue13-lr-min.json');
    expect(pts.map((p) => `${variant(p)}:${p.cfg.schedule?.eta_min}:${p.cfg.seed}`).sort()).toEqual(
      ['alternating', 'bptt-sgdr'].flatMap((v) => [0.0003, 0.001].flatMap((m) => [0, 1, 2].map((s) => `${v}:${m}:${s}`))));
    const done = grid('issue13-done.json').find((p) => p.cfg.policy.name === 'alternating')!;
    for (const p of pts) {
      expect([p.cfg.hidden, p.cfg.embed, p.cfg.batch, p.cfg.bptt, p.cfg.epochs, p.cfg.optimizer.lr, p.cfg.clip, p.cfg.eval.every, p.cfg.split])
        .toEqual([done.cfg.hidden, done.cfg.embed, done.cfg.batch, done.cfg.bptt, 2, 0.003, 1, 600, done.cfg.split]);
      expect({ ...p.cfg.schedule, eta_min: 0 }).toEqual(done.cfg.schedule);
      expect(p.cfg.policy.name).toBe(variant(p) === 'alternating' ? 'alternating' : 'bptt');
      if (variant(p) === 'alternating') expect(p.cfg.synthesizer).toEqual(done.cfg.synthesizer);
      else expect(p.cfg.synthesizer).toBeNull();
    }
  });

  it('sg-cos-phase.json: dni as in issue13-done.json, read every 5 steps, under SGDR and at a constant lr', () => {
    const pts = grid('sg-cos-phase.json');
    expect(pts.map((p) => `${variant(p)}:${p.cfg.seed}`).sort()).toEqual(['constant:0', 'constant:1', 'sgdr:0', 'sgdr:1']);
    const dni = grid('issue13-done.json').find((p) => p.cfg.policy.name === 'dni')!;
    for (const p of pts) {
      expect([p.cfg.hidden, p.cfg.batch, p.cfg.bptt, p.cfg.optimizer, p.cfg.clip, p.cfg.policy, p.cfg.synthesizer, p.cfg.split])
        .toEqual([dni.cfg.hidden, dni.cfg.batch, dni.cfg.bptt, dni.cfg.optimizer, dni.cfg.clip, dni.cfg.policy, dni.cfg.synthesizer, dni.cfg.split]);
      expect([p.cfg.steps, p.cfg.diagnostics.every, p.cfg.diagnostics.horizon]).toEqual([1600, 5, 1]);
      if (variant(p) === 'sgdr') expect([p.cfg.schedule?.t0, p.cfg.schedule?.unit, p.cfg.schedule?.eta_min]).toEqual([400, 'step', 0]);
      else expect(p.cfg.schedule).toBeNull();
    }
  });

  // the copy setting (copy-setting.json) with DNI + Aux and the bound, together and apart:
  // each point is its copy-setting.json twin (same policy and seed) but for those synthesizer keys
  it.each([
    ['copy-setting-bound.json', { 'lambda1-aux0.1-bound2': { aux: 0.1, bound: 2 } }],
    ['copy-setting-parts.json', { 'lambda1-aux0.1': { aux: 0.1 }, 'lambda1-bound2': { bound: 2 } }],
  ] as const)('%s: copy-setting.json but for synthesizer.aux and synthesizer.bound', (file, parts) => {
    const pts = grid(file);
    const base = grid('copy-setting.json');
    const names = Object.keys(parts);
    expect(pts.map((p) => `${variant(p)}:${p.cfg.seed}`).sort()).toEqual(
      ['alternating', 'dni'].flatMap((pol) => names.flatMap((n) => [0, 1, 2].map((s) => `${pol}-${n}:${s}`))).sort());
    for (const p of pts) {
      const [pol, ...rest] = variant(p)!.split('-');
      const twin = base.find((q) => q.cfg.policy.name === pol && q.cfg.seed === p.cfg.seed)!;
      const keys = (parts as Record<string, object>)[rest.join('-')]!;
      expect(p.cfg).toEqual({ ...twin.cfg, synthesizer: { ...twin.cfg.synthesizer, ...keys } });
    }
  });

  it('copy-setting-bound-seeds3-5.json: seeds 3-5 of copy-setting-bound.json (no diagnostics) and of its bptt and bptt-sgdr controls', () => {
    const pts = grid('copy-setting-bound-seeds3-5.json');
    const twins = [...grid('copy-setting-bound.json'), ...grid('issue13-done.json'), ...grid('issue13-sgdr.json')].filter((q) => q.cfg.seed === 0);
    const names = ['bptt', 'bptt-sgdr', 'dni-lambda1-aux0.1-bound2', 'alternating-lambda1-aux0.1-bound2'];
    expect(pts.map((p) => `${variant(p)}:${p.cfg.seed}`).sort()).toEqual(names.flatMap((n) => [3, 4, 5].map((s) => `${n}:${s}`)).sort());
    for (const p of pts) {
      const twin = twins.find((q) => variant(q) === variant(p))!;
      expect({ ...p.cfg, seed: 0, diagnostics: twin.cfg.diagnostics }, p.name).toEqual(twin.cfg);
      expect(p.cfg.diagnostics.every).toBeNull();
    }
  });

  it('copy-setting-bound1-seeds3-5.json: copy-setting-bound-seeds3-5.json\'s dni and alternating with bound 1', () => {
    const pts = grid('copy-setting-bound1-seeds3-5.json');
    const twins = grid('copy-setting-bound-seeds3-5.json');
    expect(pts.map((p) => `${variant(p)}:${p.cfg.seed}`).sort()).toEqual(
      ['alternating', 'dni'].flatMap((pol) => [3, 4, 5].map((s) => `${pol}-lambda1-aux0.1-bound1:${s}`)));
    for (const p of pts) {
      const twin = twins.find((q) => variant(q) === variant(p)!.replace('bound1', 'bound2') && q.cfg.seed === p.cfg.seed)!;
      expect(p.cfg).toEqual({ ...twin.cfg, synthesizer: { ...twin.cfg.synthesizer, bound: 1 } });
    }
  });

  it('ptb.json: word level, 24 runs, one SGDR cycle per epoch', () => {
    const pts = grid('ptb.json');
    expect(pts).toHaveLength(24);
    expect(new Set(pts.map((p) => p.cfg.task))).toEqual(new Set(['wordlm']));
    expect(pts.find((p) => p.cfg.policy.name === 'alternating')!.cfg.schedule).toMatchObject({ t0: 1, unit: 'epoch' });
  });
});
