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

  it('issue13-done.json: H 256, B 32, T 32, 1,200 steps; the seeds the notes did not cover', () => {
    const pts = grid('issue13-done.json');
    expect(pts.map((p) => `${p.cfg.policy.name}:${p.cfg.seed}`)).toEqual(['alternating:1', 'alternating:2', 'bptt:2', 'dni:2']);
    for (const p of pts) {
      expect([p.cfg.hidden, p.cfg.embed, p.cfg.batch, p.cfg.bptt, p.cfg.steps, p.cfg.optimizer.lr, p.cfg.clip])
        .toEqual([[256], 64, 32, 32, 1200, 0.003, 1]);
    }
    expect(pts[3]!.cfg.policy).toMatchObject({ warmup: 300, unit: 'step' });
    expect([pts[0]!.cfg.schedule?.t0, pts[0]!.cfg.schedule?.unit]).toEqual([400, 'step']);
  });

  it('ptb.json: word level, 24 runs, one SGDR cycle per epoch', () => {
    const pts = grid('ptb.json');
    expect(pts).toHaveLength(24);
    expect(new Set(pts.map((p) => p.cfg.task))).toEqual(new Set(['wordlm']));
    expect(pts.find((p) => p.cfg.policy.name === 'alternating')!.cfg.schedule).toMatchObject({ t0: 1, unit: 'epoch' });
  });
});
