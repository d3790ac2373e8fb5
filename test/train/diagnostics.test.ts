// diagnostics (docs/algorithm.md §11): the look-ahead leaves training bit for bit
// as it was, and its g is ∂F/∂s_k by float64 finite differences of F.
import { describe, expect, it } from 'vitest';
import { Var } from '../../src/autograd/variable.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { resolveConfig, type RunConfig } from '../../src/train/config.js';
import { RunLoop } from '../../src/train/run-loop.js';
import { setupRun, type RunSetup } from '../../src/train/setup.js';
import { compareGradients, trueFutureGradient } from '../../src/train/diagnostics.js';
import type { MetricRecord } from '../../src/train/curves.js';
import { tempDir, tinyConfig, writeCorpus } from './helpers.js';

const DIAG_FIELDS = ['sg_true_cos', 'sg_true_rel_err'];

function lmConfig(over: Record<string, unknown>): RunConfig {
  const dir = tempDir();
  return tinyConfig(dir, writeCorpus(dir, 200), { steps: 24, policy: { name: 'dni' }, synthesizer: {}, ...over });
}

function copyConfig(over: Record<string, unknown>): RunConfig {
  return resolveConfig({
    task: 'copy', hidden: [12], batch: 3, bptt: 2, steps: 40, policy: { name: 'dni' }, synthesizer: {}, ...over,
  }, { baseDir: tempDir(), source: 'test' });
}

function run(cfg: RunConfig): { records: MetricRecord[]; checkpoint: Uint8Array } {
  const records: MetricRecord[] = [];
  const loop = new RunLoop(setupRun(cfg), (r) => records.push(r));
  while (!loop.done) loop.step();
  loop.finish();
  return { records, checkpoint: loop.checkpointBytes() };
}

function withoutDiagnostics(records: MetricRecord[]): MetricRecord[] {
  return records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !DIAG_FIELDS.includes(k))) as MetricRecord);
}

describe('diagnostics: training is unchanged', () => {
  const cases: [string, (over: Record<string, unknown>) => RunConfig, Record<string, unknown>][] = [
    ['charlm, linear', lmConfig, {}],
    ['charlm, elementwise + popart, γ 0.5', lmConfig, { synthesizer: { kind: 'elementwise', units: 3, normalize: 'popart', discount: 0.5 } }],
    ['charlm, mlp, no normalizer', lmConfig, { synthesizer: { kind: 'mlp', normalize: 'none' } }],
    ['charlm, linear cDNI (condition 2) by the ridge fit', lmConfig, { synthesizer: { condition: 2, fit: 'ridge' } }],
    ['charlm, mlp cDNI (condition 1)', lmConfig, { synthesizer: { kind: 'mlp', condition: 1 } }],
    ['episodic copy, linear', copyConfig, {}],
    ['episodic copy, elementwise + popart', copyConfig, { synthesizer: { kind: 'elementwise', units: 3, normalize: 'popart' } }],
  ];
  for (const [name, make, over] of cases) {
    it(`${name}: records and checkpoint bit-identical with and without`, () => {
      const off = run(make(over));
      const on = run(make({ ...over, diagnostics: { every: 3, horizon: 3 } }));
      const diagnosed = on.records.filter((r) => 'sg_true_cos' in r);
      // after steps 2, 5, 8, …: (k + 1) mod 3 = 0
      expect(diagnosed.map((r) => r.step)).toEqual(on.records.filter((r) => !('split' in r) && (r.step + 1) % 3 === 0).map((r) => r.step));
      expect(diagnosed.some((r) => typeof r['sg_true_cos'] === 'number')).toBe(true);
      expect(off.records.some((r) => 'sg_true_cos' in r)).toBe(false);
      expect(withoutDiagnostics(on.records)).toEqual(off.records);
      expect(Buffer.from(on.checkpoint).equals(Buffer.from(off.checkpoint))).toBe(true);
    });
  }
});

/** F(s) = Σ_j γ^{j−1} L_{k+j} over the chunks left in the epoch, as a plain number (an LM's forward has no side effect). */
function lookAheadLoss(setup: RunSetup, k1: number, s: Tensor, H: number, gamma: number): number {
  let F = 0, w = 1, state = new Var(s);
  for (let j = 0; j < H; j++) {
    const pos = setup.source.position(k1 + j);
    if (j > 0 && pos.chunk === 0) break;
    const out = setup.source.forward(k1 + j, state);
    F += w * (out.loss ? out.loss.item() : 0);
    w *= gamma;
    state = out.sK;
  }
  return F;
}

describe('diagnostics: g = ∂F/∂s_k', () => {
  for (const [H, gamma, steps] of [[3, 0.5, 5], [4, 1, 2], [1, 0.1, 3]] as const) {
    it(`matches float64 finite differences of F (H ${H}, γ ${gamma}, after ${steps} steps)`, () => {
      const cfg = lmConfig({ synthesizer: { discount: gamma }, diagnostics: { every: 1, horizon: H } });
      const setup = setupRun(cfg, () => {}, 'float64');
      const loop = new RunLoop(setup, () => {});
      for (let i = 0; i < steps; i++) loop.step();
      const t = loop.trainer;
      const C = setup.source.position(0).chunksPerEpoch;
      expect(t.step % C).not.toBe(0);
      const g = trueFutureGradient(t, setup.source)!;
      const s0 = t.sPrev.clone();
      const eps = 1e-6;
      let checked = 0;
      for (let i = 0; i < s0.size; i += 5) {
        const plus = s0.clone(), minus = s0.clone();
        plus.data[i] = plus.data[i]! + eps;
        minus.data[i] = minus.data[i]! - eps;
        const fd = (lookAheadLoss(setup, t.step, plus, H, gamma) - lookAheadLoss(setup, t.step, minus, H, gamma)) / (2 * eps);
        expect(Math.abs(g.data[i]! - fd)).toBeLessThan(1e-7 + 1e-5 * Math.abs(fd));
        checked++;
      }
      expect(checked).toBeGreaterThan(3);
      expect(g.data.some((x) => x !== 0)).toBe(true);
    });
  }

  it('is null when the next chunk starts an epoch', () => {
    const cfg = lmConfig({ diagnostics: { every: 1, horizon: 2 } });
    const setup = setupRun(cfg);
    const loop = new RunLoop(setup, () => {});
    const C = setup.source.position(0).chunksPerEpoch;
    for (let i = 0; i < C; i++) loop.step();
    expect(trueFutureGradient(loop.trainer, setup.source)).toBeNull();
  });
});

describe('compareGradients', () => {
  it('cos and relative error by hand; null for zero vectors', () => {
    const r = compareGradients([1, 0], [1, 1]);
    expect(r.sg_true_cos).toBeCloseTo(Math.SQRT1_2, 15);
    expect(r.sg_true_rel_err).toBeCloseTo(Math.SQRT1_2, 15);
    expect(compareGradients([0, 0], [1, 1])).toEqual({ sg_true_cos: null, sg_true_rel_err: 1 });
    expect(compareGradients([1, 1], [0, 0])).toEqual({ sg_true_cos: null, sg_true_rel_err: null });
  });
});
