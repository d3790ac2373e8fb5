// synthesizer.bound (κ): each batch row of ĝ_k scaled down where needed to norm ≤ κ·σ·√S,
// σ the PopArt target scale. null leaves §4 as it is; the bound holds on every step; it
// acts only where a row is over it; it needs normalize "popart".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundRows } from '../../src/models/synthesizers.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { applyFlags, resolveConfig } from '../../src/train/config.js';
import { setupRun } from '../../src/train/setup.js';
import { Trainer } from '../../src/train/trainer.js';
import type { StepRecord } from '../../src/train/curves.js';
import { base, configError, resolve } from './config-helpers.js';

const rowNorm = (d: ArrayLike<number>, b: number, S: number) => {
  let sq = 0;
  for (let j = b * S; j < (b + 1) * S; j++) sq += d[j]! * d[j]!;
  return Math.sqrt(sq);
};

describe('boundRows', () => {
  it('leaves rows within κ√S as they are and scales the others to norm κ√S, direction kept', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }), fc.double({ min: 0.05, max: 5, noNaN: true }),
      fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 45, maxLength: 45 }),
      fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 5, maxLength: 5 }),
      (B, S, kappa, raw, rowScale) => {
        const x = new Tensor(Float64Array.from({ length: B * S }, (_, i) => raw[i]! * rowScale[Math.floor(i / S)]!), [B, S]);
        const before = x.data.slice();
        const { bounded: y, rows } = boundRows(x, kappa);
        expect(x.data).toEqual(before);
        const limit = kappa * Math.sqrt(S);
        let over = 0;
        for (let b = 0; b < B; b++) {
          const n = rowNorm(before, b, S), row = (t: ArrayLike<number>) => Array.from(t).slice(b * S, (b + 1) * S);
          if (n > limit) over += 1;
          if (n <= limit) {
            expect(row(y.data)).toEqual(row(before));
          } else {
            expect(rowNorm(y.data, b, S)).toBeCloseTo(limit, 10);
            for (let j = 0; j < S; j++) expect(y.data[b * S + j]! * n).toBeCloseTo(before[b * S + j]! * limit, 10);
          }
        }
        expect(rows).toBe(over);
      }), { numRuns: 200 });
  });
});

describe('synthesizer.bound in training', () => {
  const run = (bound: number | null, steps = 30) => {
    const cfg = resolveConfig({
      task: 'copy', hidden: 6, batch: 4, bptt: 2, steps, seed: 3, policy: { name: 'dni' },
      synthesizer: { scale: 1, lr: 0.05, bound }, copy: { width: 3, stream: true },
    }, { baseDir: '.', source: 'test' });
    const s = setupRun(cfg);
    const t = new Trainer(cfg, s.source, s.synth, s.rng);
    const over: number[] = [];
    let seen = 0;
    t.observer = (stage, v) => {
      if (stage !== 'backward' || !v.gHat || bound === null) return;
      const S = v.gHat.shape[1]!, limit = bound * s.synth!.normalizer!.sigma * Math.sqrt(S);
      for (let b = 0; b < v.gHat.shape[0]!; b++) over.push(rowNorm(v.gHat.data, b, S) / limit);
      seen += 1;
    };
    const records: StepRecord[] = Array.from({ length: steps }, () => t.stepOnce());
    return { records, over, seen };
  };

  it('null is §4 as before, and a bound no row reaches changes nothing but its sg_bound_frac of 0', () => {
    const none = run(null), loose = run(1e30);
    expect(none.records.every((r) => !('sg_bound_frac' in r))).toBe(true);
    expect(loose.records.map(({ sg_bound_frac, ...r }) => r)).toEqual(none.records);
    // null where nothing was predicted (real mode without aux), 0 where the bound was read
    expect(loose.records.map((r) => r.sg_bound_frac)).toEqual(loose.records.map((r) => (r.ghat_norm === null ? null : 0)));
    expect(loose.seen).toBeGreaterThan(10);
  });

  it('a tight bound holds on every step\'s ĝ and changes the run', () => {
    const none = run(null), tight = run(0.01);
    expect(tight.over.length).toBeGreaterThan(40);
    expect(Math.max(...tight.over)).toBeLessThanOrEqual(1 + 1e-5);
    expect(Math.max(...tight.over)).toBeGreaterThan(0.999);
    const ghat = (r: StepRecord[]) => r.map((x) => x.ghat_norm ?? 0);
    expect(ghat(tight.records)).not.toEqual(ghat(none.records));
    // sg_bound_frac counts the rows the bound scaled: here, after the first steps, nearly all
    const fracs = tight.records.map((r) => r.sg_bound_frac).filter((f): f is number => typeof f === 'number');
    expect(fracs.length).toBe(tight.seen);
    expect(fracs.every((f) => f >= 0 && f <= 1 && Number.isInteger(f * 4))).toBe(true);
    const atBound = tight.over.filter((r) => r > 1 - 1e-6).length; // rows scaled to the bound exactly
    expect(fracs.reduce((a, f) => a + 4 * f, 0)).toBe(atBound);
    expect(Math.max(...fracs)).toBe(1);
  });
});

describe('synthesizer.bound in a configuration', () => {
  it('is null by default, takes a number or "none" on the command line, and needs normalize "popart"', () => {
    expect(resolve(base()).synthesizer).toBeNull();
    const dni = { ...base(), policy: { name: 'dni' }, synthesizer: {} };
    expect(resolve(dni).synthesizer!.bound).toBeNull();
    expect(resolve(applyFlags(dni, { sgBound: '3' })).synthesizer!.bound).toBe(3);
    expect(resolve(applyFlags(dni, { sgBound: 'none' })).synthesizer!.bound).toBeNull();
    expect(configError(() => resolve({ ...dni, synthesizer: { bound: 0 } })).message).toMatch(/synthesizer\.bound.*> 0 or null/);
    const e = configError(() => resolve({ ...dni, synthesizer: { bound: 2, normalize: 'none' } }));
    expect(e.message).toMatch(/synthesizer\.bound/);
    expect(e.message).toMatch(/normalize "popart"/);
  });
});
