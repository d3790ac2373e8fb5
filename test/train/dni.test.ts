// The DNI step of docs/algorithm.md §4 on the real trainer: λ = 0 is BPTT, δ is the
// gradient of L_k + λ⟨ĝ, s_k⟩ (checked by finite differences in float64), and
// the policies switch mode exactly where §6 says.
import { describe, expect, it } from 'vitest';
import { noGrad, Var } from '../../src/autograd/variable.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { setupRun } from '../../src/train/setup.js';
import { Trainer } from '../../src/train/trainer.js';
import type { RunConfig } from '../../src/train/config.js';
import type { StepRecord } from '../../src/train/curves.js';
import { tempDir, tinyConfig, writeCorpus } from './helpers.js';

const dir = tempDir();
const data = writeCorpus(dir);

/** Runs `steps` steps; the synthesizer gets random (non-zero) weights so ĝ ≠ 0. */
function run(cfg: RunConfig, steps: number, dtype: 'float32' | 'float64' = 'float32') {
  const s = setupRun(cfg, () => {}, dtype);
  if (s.synth) s.synth.params.initUniform(new Rng(99), 0.3);
  const t = new Trainer(cfg, s.source, s.synth, s.rng);
  const records: StepRecord[] = [];
  for (let i = 0; i < steps; i++) records.push(t.stepOnce());
  return { s, t, records };
}

describe('synthetic gradients', () => {
  it('with λ = 0, synthetic mode is exactly truncated BPTT (and λ > 0 is not)', () => {
    const synth = { kind: 'linear', scale: 0 };
    const dni = run(tinyConfig(dir, data, { policy: { name: 'dni' }, synthesizer: synth, steps: 12 }), 12);
    const bptt = run(tinyConfig(dir, data, { policy: { name: 'bptt' }, synthesizer: synth, steps: 12 }), 12);
    expect(dni.records.every((r) => r.mode === 'synthetic')).toBe(true);
    expect(bptt.records.every((r) => r.mode === 'real')).toBe(true);
    expect(dni.records.map((r) => r.loss)).toEqual(bptt.records.map((r) => r.loss));
    expect(Array.from(dni.s.model.params.data)).toEqual(Array.from(bptt.s.model.params.data));
    const withSeed = run(tinyConfig(dir, data, { policy: { name: 'dni' }, synthesizer: { kind: 'linear', scale: 0.5 }, steps: 12 }), 12);
    expect(Array.from(withSeed.s.model.params.data)).not.toEqual(Array.from(bptt.s.model.params.data));
  });

  for (const kind of ['linear', 'mlp'] as const) {
    it(`δ equals a finite-difference gradient of L_k + λ⟨ĝ_k, s_k⟩ (${kind} synthesizer, 2 layers, float64)`, () => {
      const cfg = tinyConfig(dir, data, { hidden: [7, 5], policy: { name: 'dni' }, synthesizer: { kind, scale: 0.7 }, steps: 10 });
      const { s, t } = run(cfg, 3, 'float64'); // a few steps so that s_{k−1} is not zero
      const sPrev0 = t.sPrev.clone();
      const { delta, gHat } = t.forwardBackward('synthetic');
      expect(gHat).not.toBeNull();
      const J = (sp: Tensor): number =>
        noGrad(() => {
          const { loss, sK } = s.source.forward(t.step, new Var(sp));
          let dot = 0;
          for (let i = 0; i < sK.value.size; i++) dot += gHat!.data[i]! * sK.value.data[i]!;
          return loss!.item() + 0.7 * dot;
        });
      const eps = 1e-6;
      let maxErr = 0, maxDelta = 0;
      for (let i = 0; i < sPrev0.size; i++) {
        const plus = sPrev0.clone(), minus = sPrev0.clone();
        plus.data[i] = plus.data[i]! + eps;
        minus.data[i] = minus.data[i]! - eps;
        const fd = (J(plus) - J(minus)) / (2 * eps);
        maxErr = Math.max(maxErr, Math.abs(fd - delta.data[i]!));
        maxDelta = Math.max(maxDelta, Math.abs(delta.data[i]!));
      }
      expect(maxDelta).toBeGreaterThan(1e-4);
      expect(maxErr).toBeLessThan(1e-7 + 1e-5 * maxDelta);
    });
  }

  it('with a discount γ ≠ λ, δ is the gradient of L_k + γ⟨ĝ_k, s_k⟩ while the parameters get λĝ_k (float64)', () => {
    const cfg = tinyConfig(dir, data, { hidden: [6, 5], policy: { name: 'dni' }, synthesizer: { scale: 0.7 }, steps: 10 });
    const r = run(cfg, 3, 'float64');
    const at = (discount: number | null) => {
      r.t.cfg.synthesizer!.discount = discount;
      const out = r.t.forwardBackward('synthetic');
      return { ...out, grad: Array.from(r.s.model.params.grad), sPrev0: r.t.sPrev.clone(), s: r.s, t: r.t };
    };
    const l = at(null), g = at(0.2);
    expect(g.grad).toEqual(l.grad);
    expect(g.gHat!.data).toEqual(l.gHat!.data);
    const F = (sp: Tensor): number =>
      noGrad(() => {
        const { loss, sK } = g.s.source.forward(g.t.step, new Var(sp));
        let dot = 0;
        for (let i = 0; i < sK.value.size; i++) dot += g.gHat!.data[i]! * sK.value.data[i]!;
        return loss!.item() + 0.2 * dot;
      });
    const eps = 1e-6;
    let maxErr = 0, maxDiff = 0;
    for (let i = 0; i < g.sPrev0.size; i++) {
      const plus = g.sPrev0.clone(), minus = g.sPrev0.clone();
      plus.data[i] = plus.data[i]! + eps;
      minus.data[i] = minus.data[i]! - eps;
      maxErr = Math.max(maxErr, Math.abs((F(plus) - F(minus)) / (2 * eps) - g.delta.data[i]!));
      maxDiff = Math.max(maxDiff, Math.abs(g.delta.data[i]! - l.delta.data[i]!));
    }
    expect(maxDiff).toBeGreaterThan(1e-4); // γ really changed the target
    expect(maxErr).toBeLessThan(1e-7);
  });

  it('at the first chunk of an epoch s_{k−1} = 0; the synthesizer trains on that pair only with train_at_reset', () => {
    const first = (train_at_reset: boolean) =>
      run(tinyConfig(dir, data, { policy: { name: 'dni' }, synthesizer: { train_at_reset }, steps: 3 }), 2).records;
    const on = first(true), off = first(false);
    expect(on[0]!.chunk).toBe(0);
    expect(on[0]!.sg_loss).not.toBeNull();
    expect(on[0]!.sg_fit_cos).not.toBeNull();
    expect(on[0]!.delta_norm).toBeGreaterThan(0);
    expect(off[0]!.sg_loss).toBeNull();
    expect(off[0]!.sg_fit_cos).toBeNull();
    expect(off[1]!.sg_loss).not.toBeNull();
  });

  it('sg_fit_cos is cos(M_φ(s_{k−1}), δ_{k−1}) before the update, and null without a synthesizer', () => {
    const cfg = tinyConfig(dir, data, { policy: { name: 'dni' }, synthesizer: { normalize: 'none' }, steps: 4 });
    const r = run(cfg, 2, 'float64');
    const pred = noGrad(() => r.s.synth!.predict(new Var(r.t.sPrev), 'previous', null).value);
    const { delta } = r.t.forwardBackward('synthetic');
    let ab = 0, aa = 0, bb = 0;
    for (let i = 0; i < delta.size; i++) (ab += pred.data[i]! * delta.data[i]!), (aa += pred.data[i]! ** 2), (bb += delta.data[i]! ** 2);
    const rec = r.t.stepOnce();
    expect(rec.sg_fit_cos).toBeCloseTo(ab / Math.sqrt(aa * bb), 6);
    const none = run(tinyConfig(dir, data, { steps: 2 }), 1).records[0]!;
    expect(none.sg_fit_cos).toBeNull();
  });
});

describe('policies and the schedule', () => {
  it('alternating toggles the mode exactly at every warm restart (steps, T0 3, T_mult 2)', () => {
    const cfg = tinyConfig(dir, data, {
      optimizer: { name: 'sgd', lr: 0.1 },
      schedule: { unit: 'step', t0: 3, t_mult: 2, eta_min: 0.01 },
      policy: { name: 'alternating', first_mode: 'synthetic' },
      synthesizer: {},
      steps: 25,
    });
    const { records } = run(cfg, 25);
    const restarts = records.filter((r, i) => i > 0 && r.lr > records[i - 1]!.lr).map((r) => r.step);
    const switches = records.filter((r, i) => i > 0 && r.mode !== records[i - 1]!.mode).map((r) => r.step);
    expect(restarts).toEqual([3, 9, 21]);
    expect(switches).toEqual(restarts);
    expect(records[0]!.mode).toBe('synthetic');
    expect(records[3]!.mode).toBe('real');
    expect(records[0]!.lr).toBe(0.1);
    // η = η_min + ½(η_max − η_min)(1 + cos(π t_cur/T_i)) at step 5: cycle 1 (T 6), t_cur 2
    expect(records[5]!.lr).toBeCloseTo(0.01 + 0.5 * 0.09 * (1 + Math.cos((Math.PI * 2) / 6)), 15);
    expect(records.filter((r) => r.mode === 'real').every((r) => r.ghat_norm === null)).toBe(true);
    expect(records.filter((r) => r.mode === 'synthetic').every((r) => r.ghat_norm !== null)).toBe(true);
  });

  it('alternating in epoch units with an explicit cycle list switches at epoch boundaries', () => {
    const cfg = tinyConfig(dir, data, { schedule: { cycles: [1, 2] }, policy: { name: 'alternating' }, synthesizer: {}, steps: 10 });
    const s = setupRun(cfg);
    const C = s.source.position(0).chunksPerEpoch;
    const steps = 5 * C;
    const { records } = run({ ...cfg, steps }, steps);
    const modeOfEpoch = [0, 1, 2, 3, 4].map((e) => [...new Set(records.filter((r) => r.epoch === e).map((r) => r.mode))]);
    // cycles 1, 2, 2, 2…: epochs 0 | 1–2 | 3–4
    expect(modeOfEpoch).toEqual([['real'], ['synthetic'], ['synthetic'], ['real'], ['real']]);
    const lrOfEpoch = [0, 1, 2, 3].map((e) => [...new Set(records.filter((r) => r.epoch === e).map((r) => r.lr))]);
    expect(lrOfEpoch.every((l) => l.length === 1)).toBe(true); // whole epochs: constant within an epoch
    expect(lrOfEpoch[1]![0]).toBe(1e-3);
    expect(lrOfEpoch[2]![0]).toBeCloseTo(0.5e-3, 15);
  });

  it('dni warmup counts units completed before the step: warmup 3 steps → steps 0–2 real', () => {
    const cfg = tinyConfig(dir, data, { policy: { name: 'dni', warmup: 3, unit: 'step' }, synthesizer: {}, steps: 6 });
    const { records } = run(cfg, 6);
    expect(records.map((r) => r.mode)).toEqual(['real', 'real', 'real', 'synthetic', 'synthetic', 'synthetic']);
  });

  it('steps run past epoch ends: step t is chunk t mod C of epoch t div C, the short last chunk included', () => {
    const cfg = tinyConfig(dir, data, { steps: 10 });
    const s = setupRun(cfg);
    const C = s.source.position(0).chunksPerEpoch;
    const { records } = run({ ...cfg, steps: C + 2 }, C + 2);
    records.forEach((r) => {
      expect(r.epoch).toBe(Math.floor(r.step / C));
      expect(r.chunk).toBe(r.step % C);
    });
    const L = Math.floor(1500 / 3);
    expect(records[C - 1]!.chunk_len).toBe(L - 1 - (C - 1) * 5);
  });
});
