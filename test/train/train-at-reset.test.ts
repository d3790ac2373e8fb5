// synthesizer.train_at_reset: the pair (s = 0, δ) of a chunk that starts from
// a reset state trains the synthesizer only when it is true.
import { describe, expect, it } from 'vitest';
import { setupRun } from '../../src/train/setup.js';
import { Trainer } from '../../src/train/trainer.js';
import { tempDir, tinyConfig, writeCorpus } from './helpers.js';

function sgLosses(trainAtReset: boolean): (number | null)[] {
  const dir = tempDir();
  const cfg = tinyConfig(dir, writeCorpus(dir, 60), {
    steps: 12, policy: { name: 'dni' }, synthesizer: { train_at_reset: trainAtReset },
  });
  const s = setupRun(cfg);
  const t = new Trainer(cfg, s.source, s.synth, s.rng);
  const out: (number | null)[] = [];
  for (let i = 0; i < 12; i++) { const r = t.stepOnce(); out.push(r.chunk === 0 ? r.sg_loss : -1); }
  return out;
}

describe('synthesizer.train_at_reset', () => {
  it('false: no synthesizer step on an epoch\'s first chunk; true: one', () => {
    const off = sgLosses(false), on = sgLosses(true);
    const firsts = (l: (number | null)[]) => l.filter((x) => x !== -1);
    expect(firsts(off).length).toBeGreaterThan(1);
    expect(firsts(off).every((x) => x === null)).toBe(true);
    expect(firsts(on).every((x) => typeof x === 'number')).toBe(true);
  });
});
