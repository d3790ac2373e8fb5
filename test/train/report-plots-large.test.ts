// Plots over long runs: 10^5 step records per run must not overflow the call
// stack (a Math.max(...records) spread did) and must still span every step.
import { describe, expect, it } from 'vitest';
import { lossPlot, renderGroupPlot } from '../../src/train/report-plots.js';
import type { Group, RunData } from '../../src/train/report.js';

describe('report plots of long runs', () => {
  it('a training-loss plot over 2 × 150,000 steps renders, its buckets covering the last step', () => {
    const run = (seed: number): RunData => ({
      dir: `r${seed}`, config: { task: 'copy' }, flat: new Map(),
      records: Array.from({ length: 150_000 }, (_, step) => ({ step, epoch: step, chunk: 0, chunk_len: 3, loss: 1 / (1 + step + seed), lr: 1e-3, mode: 'real', sg_loss: null, grad_norm: 1, delta_norm: 0, ghat_norm: null })),
    });
    const group: Group = { task: 'copy', label: 'g', runs: [run(0), run(1)], rows: [], keys: [] };
    const p = lossPlot([group], 'copy');
    const xs = p.series[0]!.mean.map(([x]) => x);
    expect(xs.length).toBe(200);
    expect(xs[xs.length - 1]!).toBeGreaterThan(149_000);
    expect(renderGroupPlot(p)).toMatch(/^<svg/);
  });
});
