// The lab's pure parts: §4's lines from docs/algorithm.md, metrics.jsonl
// parsing, the series a run's records give the charts, chart ticks.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import { algorithmSteps } from '../../src/lab/views.js';
import { parseMetrics, RunView } from '../../src/lab/run-view.js';
import { niceTicks } from '../../src/lab/charts.js';
import type { StepRecord } from '../../src/train/curves.js';

const step = (i: number, o: Partial<StepRecord> = {}): StepRecord => ({
  step: i, epoch: 0, chunk: i, chunk_len: 4, loss: 1, lr: 1e-3, mode: 'real', sg_loss: null, grad_norm: 1, delta_norm: 0.5, ghat_norm: null, ...o,
});

describe('the lab page, without a browser', () => {
  it('quotes the six steps of docs/algorithm.md §4', () => {
    const steps = algorithmSteps(fs.readFileSync('docs/algorithm.md', 'utf8'));
    expect([...steps.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps.get(2)).toMatch(/^predict ĝ_k = M_φ\(s_k\)/);
    expect(steps.get(5)).toContain('ℓ_SG = (1/B) Σ_b');
    expect(steps.get(4)).not.toContain('**');
    expect(algorithmSteps('# no such section')).toEqual(new Map());
  });

  it('reads metrics.jsonl: a cut last line is dropped, a bad line elsewhere is named', () => {
    const a = JSON.stringify(step(0)), b = JSON.stringify(step(1));
    expect(parseMetrics(`${a}\n${b}\n{"step":2,"lo`, 'm.jsonl')).toHaveLength(2);
    expect(() => parseMetrics(`${a}\nnot json\n${b}\n`, 'm.jsonl')).toThrow('m.jsonl:2: not a JSON record');
    expect(() => parseMetrics('{"loss":1}\n', 'm.jsonl')).toThrow('m.jsonl:1: not a metrics record');
  });

  it('gives modes as bands, restarts where the learning rate jumps up, diagnostics by name, evaluations as points', () => {
    const v = new RunView();
    v.add([
      step(0, { lr: 1e-3 }), step(1, { lr: 5e-4 }), step(2, { lr: 1e-3, mode: 'synthetic', ghat_norm: 2, sg_true_cos: 0.5 }),
      step(3, { lr: 4e-4, mode: 'synthetic', ghat_norm: 3, sg_true_cos: 0.25 }),
      { split: 'valid', step: 4, epoch: 0, loss: 2, ppl: 7.4, bpc: 2.9 },
      step(4, { lr: 1e-3, copy_n: 3, copy_r: 1 }),
    ]);
    expect(v.steps).toEqual([1, 2, 3, 4, 5]);
    expect(v.restarts).toEqual([2, 4]);
    expect(v.bands.map((b) => [b.x0, b.x1])).toEqual([[0, 2], [2, 4], [4, 5]]);
    expect(v.cos.get('sg_true_cos')).toEqual([NaN, NaN, 0.5, 0.25, NaN]);
    expect(v.ghat).toEqual([NaN, NaN, 2, 3, NaN]);
    expect(v.valid).toEqual({ x: [4], y: [2] });
    expect(v.isCopy).toBe(true);
    expect(v.lossChart().series.map((s) => s.label)).toEqual(['loss', 'smoothed', 'validation']);
  });

  it('ticks at 1, 2 or 5 × 10^k', () => {
    expect(niceTicks(0, 1000, 5)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(0.13, 0.61, 4)).toEqual([0.2, 0.4, 0.6]);
    expect(niceTicks(-0.3, 0.3, 6)).toEqual([-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
  });
});
